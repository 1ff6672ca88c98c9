/**
 * The single prompt worker: ComfyUI's `prompt_worker` + `PromptExecutor.execute` + graph.py's
 * ExecutionList, emitting the same message sequence (execution_start, execution_cached, executing,
 * progress, executed, execution_success | execution_error | execution_interrupted, status,
 * executing null) and keeping its output cache between prompts.
 */
import { createHash, randomUUID } from 'node:crypto';

import { inputSpec, type ObjectInfo } from './object-info.js';
import type { SimDirs } from './paths.js';
import type { PromptQueue, QueueItem } from './prompt-queue.js';
import { PyError, SIM_SRC, tbFrame } from './py-error.js';
import { dumpsPy, isFloatAt, markFloat, pyRepr } from './py-json.js';
import {
  NODE_IMPLS,
  SELF_TIMED,
  checkFailMarker,
  fallbackNode,
  isChanged,
  type NodeContext,
  type ProgressPreview,
} from './nodes.js';
import { isSimValue, tensorRepr, type SimValue } from './sim-values.js';
import { isPlainObject } from './validate.js';

/** Where messages go: `sid` null means every socket. */
export interface MessageSink {
  send(event: string, data: Record<string, unknown>, sid: string | null): void;
  sendBinary(payload: Buffer, sid: string | null): void;
}

export interface ExecutorOptions {
  objectInfo: ObjectInfo;
  dirs: SimDirs;
  sink: MessageSink;
  stepMs: () => number;
  previews: boolean;
  log: (line: string) => void;
}

/** Raised in place of ComfyUI's InterruptProcessingException. */
class Interrupted extends Error {}
/** The server "died" (goDown): stop silently, like a killed process. */
class Abandoned extends Error {}

interface UiEntry {
  meta: Record<string, unknown>;
  output: Record<string, unknown>;
}

type NodeResult = { ok: true } | { ok: false; interrupted: boolean; details: Record<string, unknown> };

const EXEC_PY = `${SIM_SRC}/execution.py`;
const EXEC_FRAMES = [
  tbFrame(
    EXEC_PY,
    328,
    'execute',
    'output_data, output_ui, has_subgraph = get_output_data(obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb)',
  ),
  tbFrame(
    EXEC_PY,
    203,
    'get_output_data',
    'return_values = _map_node_over_list(obj, input_data_all, obj.FUNCTION, allow_interrupt=True, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb)',
  ),
  tbFrame(EXEC_PY, 174, '_map_node_over_list', 'process_inputs(input_dict, i)'),
  tbFrame(EXEC_PY, 163, 'process_inputs', 'results.append(getattr(obj, func)(**inputs))'),
];

function isLink(v: unknown): v is [string, number] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';
}

function nodeOf(
  prompt: Record<string, unknown>,
  id: string,
): { classType: string; inputs: Record<string, unknown> } {
  const node = prompt[id] as Record<string, unknown>;
  const inputs = node['inputs'];
  return { classType: node['class_type'] as string, inputs: isPlainObject(inputs) ? inputs : {} };
}

/** ComfyUI's `format_value` for `current_inputs`. */
function formatValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (['number', 'bigint', 'boolean', 'string'].includes(typeof v)) return v;
  if (isSimValue(v)) return simRepr(v);
  return pyRepr(v);
}

function simRepr(v: SimValue): string {
  switch (v.kind) {
    case 'IMAGE':
    case 'MASK':
      return tensorRepr(v);
    case 'LATENT':
      return `{'samples': tensor(shape=[${v.batch}, 4, ${v.height}, ${v.width}])}`;
    case 'SIGMAS':
      return `tensor(shape=[${v.steps + 1}])`;
    default:
      return v.repr;
  }
}

/** graph.py's ExecutionList: pending nodes, what blocks what, and the UX-friendly pick order. */
class ExecutionList {
  private readonly pending = new Map<string, true>();
  private readonly blockCount = new Map<string, number>();
  private readonly blocking = new Map<string, Set<string>>();

  constructor(
    private readonly prompt: Record<string, unknown>,
    private readonly isCached: (id: string) => boolean,
    private readonly isOutput: (id: string) => boolean,
  ) {}

  addNode(start: string): void {
    const stack = [start];
    const links: [string, string][] = [];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (this.pending.has(id)) continue;
      this.pending.set(id, true);
      this.blockCount.set(id, 0);
      this.blocking.set(id, new Set());
      for (const value of Object.values(nodeOf(this.prompt, id).inputs)) {
        if (!isLink(value)) continue;
        if (!this.isCached(value[0])) stack.push(value[0]);
        links.push([value[0], id]);
      }
    }
    for (const [from, to] of links) {
      if (this.isCached(from)) continue;
      this.addNode(from);
      const blocked = this.blocking.get(from);
      if (blocked && !blocked.has(to)) {
        blocked.add(to);
        this.blockCount.set(to, (this.blockCount.get(to) ?? 0) + 1);
      }
    }
  }

  isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /** The next node to run; undefined only if the remaining graph is a cycle. */
  stage(): string | undefined {
    const ready = [...this.pending.keys()].filter((id) => this.blockCount.get(id) === 0);
    const blocked = (id: string): string[] => [...(this.blocking.get(id) ?? [])];
    return (
      ready.find((id) => this.isOutput(id)) ??
      ready.find((id) => blocked(id).some((b) => this.isOutput(b))) ??
      ready.find((id) => blocked(id).some((b) => blocked(b).some((c) => this.isOutput(c)))) ??
      ready[0]
    );
  }

  complete(id: string): void {
    this.pending.delete(id);
    for (const b of this.blocking.get(id) ?? []) this.blockCount.set(b, (this.blockCount.get(b) ?? 1) - 1);
    this.blocking.delete(id);
  }
}

export class Executor {
  /** `server.client_id`: the client of the prompt running (or last run). */
  clientId: string | null = null;
  /** `server.last_node_id`: set while a node of a client's prompt runs. */
  lastNodeId: string | null = null;
  lastPromptId: string | null = null;

  private interruptRequested = false;
  private dead = false;
  private readonly outputsCache = new Map<string, unknown[]>();
  private readonly uiCache = new Map<string, UiEntry>();
  private readonly objects = new Map<string, Record<string, unknown>>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; fire: () => void; start: number }>();

  constructor(
    private readonly queue: PromptQueue,
    private readonly opts: ExecutorOptions,
  ) {}

  /** `nodes.interrupt_processing()`: takes effect at the next node or progress step. */
  interrupt(): void {
    this.interruptRequested = true;
  }

  /** Stops the worker for good, mid-node if need be, without sending anything more. */
  kill(): void {
    this.dead = true;
    for (const t of [...this.timers]) {
      clearTimeout(t.timer);
      t.fire();
    }
    this.queue.wake();
  }

  async runWorker(): Promise<void> {
    while (!this.dead) {
      await this.queue.waitForItem(() => this.dead);
      if (this.dead) return;
      const got = this.queue.get();
      if (!got) continue;
      const [item, taskId] = got;
      this.lastPromptId = item[1];
      try {
        const result = await this.execute(item);
        this.queue.taskDone(taskId, result.history, {
          status_str: result.success ? 'success' : 'error',
          completed: result.success,
          messages: result.messages,
        });
        if (this.clientId !== null) this.send('executing', { node: null, prompt_id: item[1] }, this.clientId);
      } catch (err) {
        if (err instanceof Abandoned) return;
        this.opts.log(`comfy-sim: worker failed on ${item[1]}: ${String(err)}`);
      }
    }
  }

  private send(event: string, data: Record<string, unknown>, sid: string | null): void {
    if (!this.dead) this.opts.sink.send(event, data, sid);
  }

  /** A new step duration also applies to the step being waited out (lets tests pause or hurry a run). */
  retime(ms: number): void {
    const now = Date.now();
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.timer = setTimeout(() => t.fire(), Math.max(0, t.start + ms - now));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.dead) return reject(new Abandoned());
      const entry = {
        start: Date.now(),
        timer: setTimeout(() => entry.fire(), Math.max(0, ms)),
        fire: () => {
          this.timers.delete(entry);
          if (this.dead) reject(new Abandoned());
          else resolve();
        },
      };
      this.timers.add(entry);
    });
  }

  /** Python's exact signature semantics are not needed; equal class+inputs+ancestry ⇒ equal key. */
  private signatures(prompt: Record<string, unknown>): Map<string, string> {
    const sigs = new Map<string, string>();
    const visiting = new Set<string>();
    const sigOf = (id: string): string => {
      const known = sigs.get(id);
      if (known) return known;
      if (!Object.hasOwn(prompt, id) || visiting.has(id)) return `uncacheable:${randomUUID()}`;
      visiting.add(id);
      const { classType, inputs } = nodeOf(prompt, id);
      const parts: unknown[] = [classType, isChanged(classType, inputs, this.opts.dirs)];
      for (const key of Object.keys(inputs).sort()) {
        const v = inputs[key];
        parts.push(isLink(v) ? [key, 'ANCESTOR', sigOf(v[0]), v[1]] : [key, v]);
      }
      visiting.delete(id);
      const sig = createHash('sha1').update(dumpsPy(parts)).digest('hex');
      sigs.set(id, sig);
      return sig;
    };
    for (const id of Object.keys(prompt)) sigOf(id);
    return sigs;
  }

  private async execute(item: QueueItem): Promise<{
    success: boolean;
    messages: [string, Record<string, unknown>][];
    history: { outputs: Record<string, unknown>; meta: Record<string, unknown> };
  }> {
    const [, promptId, prompt, extraData, executeOutputs] = item;
    this.interruptRequested = false;
    const cid = Object.hasOwn(extraData, 'client_id') ? extraData['client_id'] : null;
    // A non-string client_id matches no socket upstream (socket ids are strings).
    this.clientId =
      cid === null || cid === undefined ? null : typeof cid === 'string' ? cid : `\0${dumpsPy(cid)}`;
    const messages: [string, Record<string, unknown>][] = [];
    const addMessage = (event: string, data: Record<string, unknown>, broadcast: boolean): void => {
      const full = { ...data, timestamp: Date.now() };
      messages.push([event, full]);
      if (this.clientId !== null || broadcast) this.send(event, full, this.clientId);
    };
    addMessage('execution_start', { prompt_id: promptId }, false);

    const sigs = this.signatures(prompt);
    const used = new Set(sigs.values());
    for (const cache of [this.outputsCache, this.uiCache]) {
      for (const key of [...cache.keys()]) if (!used.has(key)) cache.delete(key);
    }
    const objectKeys = new Set(Object.keys(prompt).map((id) => `${id}\0${nodeOf(prompt, id).classType}`));
    for (const key of [...this.objects.keys()]) if (!objectKeys.has(key)) this.objects.delete(key);

    const isCached = (id: string): boolean => this.outputsCache.has(sigs.get(id) ?? '');
    const cachedNodes = Object.keys(prompt).filter(isCached);
    addMessage('execution_cached', { nodes: cachedNodes, prompt_id: promptId }, false);

    const executed = new Set<string>();
    const currentOutputs = Object.keys(prompt);
    const list = new ExecutionList(prompt, isCached, (id) =>
      this.opts.objectInfo.isOutputNode(nodeOf(prompt, id).classType),
    );
    for (const o of executeOutputs) list.addNode(o);

    let success = true;
    while (!list.isEmpty()) {
      const id = list.stage();
      if (id === undefined) {
        success = false;
        addMessage(
          'execution_error',
          {
            prompt_id: promptId,
            node_id: '',
            node_type: '',
            executed: [...executed],
            exception_message: 'Dependency cycle detected',
            exception_type: 'comfy_execution.graph.DependencyCycleError',
            traceback: [],
            current_inputs: [],
            current_outputs: currentOutputs,
          },
          false,
        );
        break;
      }
      const result = await this.executeNode(prompt, promptId, extraData, id, sigs, executed);
      if (!result.ok) {
        success = false;
        const nodeType = nodeOf(prompt, id).classType;
        if (result.interrupted) {
          addMessage(
            'execution_interrupted',
            { prompt_id: promptId, node_id: id, node_type: nodeType, executed: [...executed] },
            true,
          );
        } else {
          addMessage(
            'execution_error',
            {
              prompt_id: promptId,
              node_id: id,
              node_type: nodeType,
              executed: [...executed],
              ...result.details,
              current_outputs: currentOutputs,
            },
            false,
          );
        }
        break;
      }
      list.complete(id);
    }
    if (success) addMessage('execution_success', { prompt_id: promptId }, false);

    const outputs: Record<string, unknown> = {};
    const meta: Record<string, unknown> = {};
    const inPrompt = new Map<string, string[]>();
    for (const [id, sig] of sigs) inPrompt.set(sig, [...(inPrompt.get(sig) ?? []), id]);
    for (const [sig, entry] of this.uiCache) {
      for (const id of inPrompt.get(sig) ?? []) {
        outputs[id] = entry.output;
        meta[id] = { ...entry.meta, node_id: id, display_node: id, real_node_id: id };
      }
    }
    this.lastNodeId = null;
    return { success, messages, history: { outputs, meta } };
  }

  private async executeNode(
    prompt: Record<string, unknown>,
    promptId: string,
    extraData: Record<string, unknown>,
    id: string,
    sigs: Map<string, string>,
    executed: Set<string>,
  ): Promise<NodeResult> {
    const { classType, inputs } = nodeOf(prompt, id);
    const def = this.opts.objectInfo.get(classType);
    const sig = sigs.get(id) ?? '';
    if (!def) {
      return {
        ok: false,
        interrupted: false,
        details: this.errorDetails(new PyError('KeyError', pyRepr(classType)), {}),
      };
    }
    if (this.outputsCache.has(sig)) {
      if (this.clientId !== null) {
        const output = this.uiCache.get(sig)?.output ?? null;
        this.send('executed', { node: id, display_node: id, output, prompt_id: promptId }, this.clientId);
      }
      return { ok: true };
    }

    // get_input_data: links resolved from the output cache, widgets kept, unknown inputs dropped.
    const resolved: Record<string, unknown> = {};
    const currentInputs: Record<string, unknown> = {};
    for (const [x, v] of Object.entries(inputs)) {
      const spec = inputSpec(def, x);
      if (isLink(v)) {
        const upstream = this.outputsCache.get(sigs.get(v[0]) ?? '');
        resolved[x] = upstream && v[1] < upstream.length ? upstream[v[1]] : null;
      } else if (spec) {
        resolved[x] = v;
      } else continue;
      const shown = [formatValue(resolved[x])];
      if (!isLink(v) && isFloatAt(inputs, x)) markFloat(shown, 0);
      currentInputs[x] = shown;
    }
    const hidden = { prompt: null as unknown, extraPnginfo: null as unknown };
    for (const [x, kind] of Object.entries(def.input.hidden ?? {})) {
      if (kind === 'PROMPT') hidden.prompt = prompt;
      else if (kind === 'EXTRA_PNGINFO') hidden.extraPnginfo = extraData['extra_pnginfo'] ?? null;
      else if (kind === 'UNIQUE_ID') resolved[x] = id;
      else continue;
      currentInputs[x] = [
        formatValue(kind === 'PROMPT' ? hidden.prompt : kind === 'EXTRA_PNGINFO' ? hidden.extraPnginfo : id),
      ];
    }

    if (this.clientId !== null) {
      this.lastNodeId = id;
      this.send('executing', { node: id, display_node: id, prompt_id: promptId }, this.clientId);
    }

    const objectKey = `${id}\0${classType}`;
    const state = this.objects.get(objectKey) ?? {};
    this.objects.set(objectKey, state);
    const ctx: NodeContext = {
      id,
      classType,
      def,
      inputs: resolved,
      hidden,
      state,
      dirs: this.opts.dirs,
      stepMs: this.opts.stepMs(),
      previews: this.opts.previews,
      sleep: (ms) => this.sleep(ms),
      progress: (value, max, preview) => this.progress(value, max, preview),
    };
    try {
      if (this.interruptRequested) throw new Interrupted();
      checkFailMarker(ctx);
      if (!SELF_TIMED.has(classType)) await this.sleep(ctx.stepMs);
      const impl = NODE_IMPLS[classType] ?? fallbackNode;
      const out = await impl(ctx);
      if (this.dead) throw new Abandoned();
      this.outputsCache.set(sig, out.outputs);
      if (out.ui && Object.keys(out.ui).length > 0) {
        this.uiCache.set(sig, {
          meta: { node_id: id, display_node: id, parent_node: null, real_node_id: id },
          output: out.ui,
        });
        if (this.clientId !== null) {
          this.send(
            'executed',
            { node: id, display_node: id, output: out.ui, prompt_id: promptId },
            this.clientId,
          );
        }
      }
      executed.add(id);
      return { ok: true };
    } catch (err) {
      if (err instanceof Abandoned) throw err;
      if (err instanceof Interrupted) return { ok: false, interrupted: true, details: { node_id: id } };
      const pyErr =
        err instanceof PyError
          ? err
          : new PyError('Exception', err instanceof Error ? err.message : String(err));
      if (!(err instanceof PyError)) this.opts.log(`comfy-sim: ${classType} ${id} crashed: ${String(err)}`);
      return { ok: false, interrupted: false, details: this.errorDetails(pyErr, currentInputs) };
    }
  }

  private errorDetails(err: PyError, currentInputs: Record<string, unknown>): Record<string, unknown> {
    return {
      exception_message: err.pyMessage,
      exception_type: err.pyType,
      traceback: [...EXEC_FRAMES, ...err.traceback],
      current_inputs: currentInputs,
    };
  }

  /** server.py's progress hook. */
  private async progress(value: number, max: number, preview?: ProgressPreview): Promise<void> {
    if (this.dead) throw new Abandoned();
    if (this.interruptRequested) throw new Interrupted();
    this.send('progress', { value, max, prompt_id: this.lastPromptId, node: this.lastNodeId }, this.clientId);
    if (preview && !this.dead) {
      const header = Buffer.alloc(8);
      header.writeUInt32BE(1, 0);
      header.writeUInt32BE(preview.format, 4);
      this.opts.sink.sendBinary(Buffer.concat([header, preview.bytes]), this.clientId);
    }
    await Promise.resolve();
  }
}
