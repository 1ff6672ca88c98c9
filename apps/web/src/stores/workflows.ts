import type {
  ComfyWorkflowDetail,
  ComfyWorkflowListResponse,
  ComfyWorkflowSaveRequest,
  ComfyWorkflowTemplate,
  ComfyWorkflowVersionRequest,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../api/http';
import { workflowsApi } from '../api/workflows';
import { runnableFor } from '../domain/template-health';
import { callComfy } from './comfy-call';
import { describeError } from './errors';
import { useSessionStore } from './session';
import type { LoadStatus } from './users';

/**
 * The workflow template library (GET /api/comfy/workflows): every template with its health for the Workflows
 * page, and the ones a user may pick (broken templates are shown to curators only). Saving (curators) goes
 * through here too, so the list shows a saved template or version at once.
 */
export const useWorkflowsStore = defineStore('workflows', () => {
  const session = useSessionStore();
  const listing = ref<ComfyWorkflowListResponse | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const details = ref<Record<string, ComfyWorkflowDetail>>({});

  const templates = computed<ComfyWorkflowTemplate[]>(() => listing.value?.items ?? []);
  /** What the run picker offers this user. */
  const pickable = computed(() => runnableFor(templates.value, session.role ?? 'user'));
  const checkedAgainst = computed(() => listing.value?.checked_against ?? null);
  const canSave = computed(() => listing.value?.can_save ?? false);
  const canQueueGraph = computed(() => listing.value?.can_queue_graph ?? false);

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      listing.value = await callComfy('Could not read the workflow templates', () => workflowsApi.list(), {
        quietWhenDisabled: true,
      });
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  /** One template with its prompt and versions (read again when `version` is not the one cached). */
  async function detail(name: string, version?: string): Promise<ComfyWorkflowDetail> {
    const known = details.value[name];
    if (known && (version === undefined || known.version === version)) return known;
    const answer = await callComfy('Could not read the workflow', () => workflowsApi.get(name));
    details.value = { ...details.value, [name]: answer };
    return answer;
  }

  /** The prompt of a listed template once its detail is read; null until then (or for another version). */
  function promptOf(
    template: Pick<ComfyWorkflowTemplate, 'name' | 'version'>,
  ): Record<string, unknown> | null {
    const known = details.value[template.name];
    return known?.version === template.version ? known.prompt : null;
  }

  /** Puts a saved template (or version) in the list in place of the one of that name. */
  function applySaved(saved: ComfyWorkflowDetail): void {
    details.value = { ...details.value, [saved.name]: saved };
    if (!listing.value) return;
    const { prompt: _prompt, versions: _versions, ...entry } = saved;
    const others = listing.value.items.filter((item) => item.name !== saved.name);
    listing.value = {
      ...listing.value,
      items: [...others, entry].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    };
  }

  /** Curators: a new template. Rejects with the ApiError (400 per field, 409 when the name is taken). */
  async function save(body: ComfyWorkflowSaveRequest): Promise<ComfyWorkflowDetail> {
    const saved = await workflowsApi.save(body);
    applySaved(saved);
    return saved;
  }

  /** Curators: a new version of a saved or shipped template. */
  async function saveVersion(name: string, body: ComfyWorkflowVersionRequest): Promise<ComfyWorkflowDetail> {
    const saved = await workflowsApi.saveVersion(name, body);
    applySaved(saved);
    return saved;
  }

  return {
    listing,
    templates,
    pickable,
    checkedAgainst,
    canSave,
    canQueueGraph,
    status,
    error,
    load,
    detail,
    promptOf,
    applySaved,
    save,
    saveVersion,
  };
});
