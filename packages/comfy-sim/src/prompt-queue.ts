/**
 * ComfyUI's PromptQueue (execution.py): a binary heap of pending items (shown in heap order, as
 * upstream does), the running items, and the in-memory history capped at 10,000 entries.
 */
import { deepCopyPy, isFloatAt, markFloat } from './py-json.js';

/** `[number, prompt_id, prompt, extra_data, outputs_to_execute]` */
export type QueueItem = [number, string, Record<string, unknown>, Record<string, unknown>, string[]];

export interface HistoryStatus {
  status_str: 'success' | 'error';
  completed: boolean;
  messages: [string, Record<string, unknown>][];
}

export interface HistoryEntry {
  prompt: QueueItem;
  outputs: Record<string, unknown>;
  status: HistoryStatus;
  meta?: Record<string, unknown>;
}

const MAXIMUM_HISTORY_SIZE = 10000;

interface HeapEntry {
  item: QueueItem;
  /** Insertion order: breaks ties between equal numbers deterministically. */
  seq: number;
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a.item[0] < b.item[0] || (a.item[0] === b.item[0] && a.seq < b.seq);
}

/** Python's heapq._siftdown / _siftup, so pending items sit where upstream would show them. */
function siftDown(heap: HeapEntry[], start: number, pos: number): void {
  const item = heap[pos];
  if (!item) return;
  while (pos > start) {
    const parentPos = (pos - 1) >> 1;
    const parent = heap[parentPos];
    if (parent && less(item, parent)) {
      heap[pos] = parent;
      pos = parentPos;
      continue;
    }
    break;
  }
  heap[pos] = item;
}

function siftUp(heap: HeapEntry[], pos: number): void {
  const end = heap.length;
  const start = pos;
  const item = heap[pos];
  if (!item) return;
  let child = 2 * pos + 1;
  while (child < end) {
    const right = child + 1;
    const c = heap[child];
    const r = heap[right];
    if (right < end && c && r && !less(c, r)) child = right;
    const chosen = heap[child];
    if (chosen) heap[pos] = chosen;
    pos = child;
    child = 2 * pos + 1;
  }
  heap[pos] = item;
  siftDown(heap, start, pos);
}

function copyItem(item: QueueItem): QueueItem {
  const copy = deepCopyPy(item);
  if (isFloatAt(item, 0)) markFloat(copy, 0);
  return copy;
}

export class PromptQueue {
  private heap: HeapEntry[] = [];
  private seq = 0;
  private taskCounter = 0;
  private readonly running = new Map<number, QueueItem>();
  readonly history = new Map<string, HistoryEntry>();
  private waiter: (() => void) | undefined;

  constructor(private readonly onUpdated: () => void) {}

  put(item: QueueItem): void {
    this.heap.push({ item, seq: this.seq++ });
    siftDown(this.heap, 0, this.heap.length - 1);
    this.onUpdated();
    this.waiter?.();
  }

  /** Resolves once an item is pending (the worker's blocking `get`) or `stop()` says so. */
  async waitForItem(stop: () => boolean): Promise<void> {
    while (this.heap.length === 0 && !stop()) {
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  /** Wakes a waiting worker without an item (used when the server goes down). */
  wake(): void {
    this.waiter?.();
  }

  /** Pops the next item and marks it running; returns it with its task id. */
  get(): [QueueItem, number] | undefined {
    const last = this.heap.pop();
    if (!last) return undefined;
    let entry = last;
    if (this.heap.length > 0) {
      entry = this.heap[0] ?? last;
      this.heap[0] = last;
      siftUp(this.heap, 0);
    }
    const id = this.taskCounter++;
    this.running.set(id, copyItem(entry.item));
    this.onUpdated();
    return [entry.item, id];
  }

  taskDone(
    id: number,
    result: { outputs: Record<string, unknown>; meta: Record<string, unknown> },
    status: HistoryStatus,
  ): void {
    const prompt = this.running.get(id);
    this.running.delete(id);
    if (!prompt) return;
    if (this.history.size > MAXIMUM_HISTORY_SIZE) {
      const oldest = this.history.keys().next();
      if (!oldest.done) this.history.delete(oldest.value);
    }
    this.history.set(prompt[1], Object.assign({ prompt, outputs: {}, status }, result));
    this.onUpdated();
  }

  /** `[running items, pending items in heap order]` (copies). */
  currentQueue(): [QueueItem[], QueueItem[]] {
    return [[...this.running.values()], this.heap.map((e) => copyItem(e.item))];
  }

  tasksRemaining(): number {
    return this.heap.length + this.running.size;
  }

  isRunning(promptId: string): boolean {
    return [...this.running.values()].some((i) => i[1] === promptId);
  }

  wipeQueue(): void {
    this.heap = [];
    this.onUpdated();
  }

  /** Removes the first pending item matching; like upstream, the last one goes via wipeQueue (two updates). */
  deleteQueueItem(match: (item: QueueItem) => boolean): boolean {
    for (let x = 0; x < this.heap.length; x++) {
      const entry = this.heap[x];
      if (!entry || !match(entry.item)) continue;
      if (this.heap.length === 1) this.wipeQueue();
      else {
        this.heap.splice(x, 1);
        for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) siftUp(this.heap, i);
      }
      this.onUpdated();
      return true;
    }
    return false;
  }

  /** `get_history`: one id (or `{}`), or the last `maxItems` in insertion order. */
  getHistory(promptId?: string, maxItems?: number, offset = -1): Record<string, HistoryEntry> {
    if (promptId !== undefined) {
      const entry = this.history.get(promptId);
      return entry ? { [promptId]: entry } : {};
    }
    const out: Record<string, HistoryEntry> = {};
    let start = offset;
    if (start < 0 && maxItems !== undefined) start = this.history.size - maxItems;
    let i = 0;
    for (const [k, v] of this.history) {
      if (i >= start) {
        out[k] = v;
        if (maxItems !== undefined && Object.keys(out).length >= maxItems) break;
      }
      i++;
    }
    return out;
  }

  wipeHistory(): void {
    this.history.clear();
  }

  deleteHistoryItem(id: string): void {
    this.history.delete(id);
  }
}
