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

  const key = (name: string, version: string) => `${name}@${version}`;

  /** One template with its prompt and versions: the current one, or `version` as it was (cached per version). */
  async function detail(name: string, version?: string): Promise<ComfyWorkflowDetail> {
    const known = version === undefined ? undefined : details.value[key(name, version)];
    if (known) return known;
    const answer = await callComfy('Could not read the workflow', () => workflowsApi.get(name, version));
    details.value = { ...details.value, [key(name, answer.version)]: answer };
    return answer;
  }

  /** A template's detail once read (its prompt, its versions); null until then. */
  function detailOf(template: Pick<ComfyWorkflowTemplate, 'name' | 'version'>): ComfyWorkflowDetail | null {
    return details.value[key(template.name, template.version)] ?? null;
  }

  /** The prompt of a template once its detail is read; null until then. */
  function promptOf(
    template: Pick<ComfyWorkflowTemplate, 'name' | 'version'>,
  ): Record<string, unknown> | null {
    return detailOf(template)?.prompt ?? null;
  }

  /** Puts a saved template (or version) in the list in place of the one of that name. */
  function applySaved(saved: ComfyWorkflowDetail): void {
    details.value = { ...details.value, [key(saved.name, saved.version)]: saved };
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
    detailOf,
    promptOf,
    applySaved,
    save,
    saveVersion,
  };
});
