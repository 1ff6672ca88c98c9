import type { ComfyConversionIssue, ComfyImportResponse } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/http';
import { workflowImportApi } from '../api/workflow-import';
import { useJobsStore } from './jobs';

/** Files the import takes, as the file picker's `accept`. */
export const importAccept = '.json,.png,.webp,application/json,image/png,image/webp';

function firstDetail(details: unknown, field: string): string | null {
  if (typeof details !== 'object' || details === null) return null;
  const messages = (details as Record<string, unknown>)[field];
  return Array.isArray(messages) && typeof messages[0] === 'string' ? messages[0] : null;
}

function issuesOf(details: unknown): ComfyConversionIssue[] {
  if (typeof details !== 'object' || details === null) return [];
  const issues = (details as { issues?: unknown }).issues;
  return Array.isArray(issues) ? (issues as ComfyConversionIssue[]) : [];
}

/**
 * The workflow being imported on the Workflows page: the file read by the server (POST /workflows/import), what
 * it found (prompt, nodes with typed widgets, warnings) or why not (a message, the nodes it cannot convert), and
 * the job a "Run once" queued.
 */
export const useWorkflowImportStore = defineStore('workflow-import', () => {
  const result = ref<ComfyImportResponse | null>(null);
  const fileName = ref<string | null>(null);
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle');
  const error = ref<string | null>(null);
  const issues = ref<ComfyConversionIssue[]>([]);
  const runPromptId = ref<string | null>(null);
  const running = ref(false);

  function clear(): void {
    result.value = null;
    fileName.value = null;
    status.value = 'idle';
    error.value = null;
    issues.value = [];
    runPromptId.value = null;
  }

  async function importFile(file: File): Promise<void> {
    clear();
    fileName.value = file.name;
    status.value = 'loading';
    try {
      result.value = await workflowImportApi.import(file, file.name);
      status.value = 'ready';
    } catch (caught) {
      status.value = 'error';
      if (!(caught instanceof ApiError)) {
        error.value = 'The file could not be sent. Check your connection and try again.';
        return;
      }
      const detail = firstDetail(caught.details, 'file') ?? firstDetail(caught.details, 'workflow');
      error.value = detail ? `${caught.message}: the file ${detail}.` : caught.message;
      issues.value = issuesOf(caught.details);
    }
  }

  /** Queues the imported graph as it is (POST /comfy/queue): the UI workflow when the file had one. */
  async function runOnce(): Promise<string | null> {
    const found = result.value;
    if (!found || running.value) return null;
    running.value = true;
    try {
      const answer = await useJobsStore().queueGraph(found.workflow ?? found.prompt);
      runPromptId.value = answer.prompt_id;
      return answer.prompt_id;
    } catch {
      // callComfy in the jobs store has told the user.
      return null;
    } finally {
      running.value = false;
    }
  }

  return { result, fileName, status, error, issues, runPromptId, running, clear, importFile, runOnce };
});
