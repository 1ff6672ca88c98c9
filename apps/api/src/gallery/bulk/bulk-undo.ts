import { bulkUndoMaxIds, type BulkAction, type BulkRequest } from '@atelier/contract';

/**
 * Collects what a bulk action changed, as the requests that put it back: each changed image under
 * the action that reverses it (its rating before, for `rate`). Null once more than bulkUndoMaxIds
 * changed (an undo would be as large as the action) or when the action has no inverse.
 */
export class UndoLog {
  private readonly byAction = new Map<string, { action: BulkAction; ids: number[] }>();
  private size = 0;
  private overflow = false;

  constructor(private readonly possible: boolean) {}

  add(action: BulkAction, ids: readonly number[]): void {
    if (!this.possible || this.overflow || ids.length === 0) return;
    this.size += ids.length;
    if (this.size > bulkUndoMaxIds) {
      this.overflow = true;
      this.byAction.clear();
      return;
    }
    const key = JSON.stringify(action);
    const entry = this.byAction.get(key) ?? { action, ids: [] };
    entry.ids.push(...ids);
    this.byAction.set(key, entry);
  }

  requests(): BulkRequest[] | null {
    if (!this.possible || this.overflow) return null;
    return [...this.byAction.values()].map(({ action, ids }) => ({ selection: { ids }, action }));
  }
}
