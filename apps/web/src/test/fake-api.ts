import type {
  AdminConfigResponse,
  AuditEntry,
  AuthUser,
  CreateUserRequest,
  ErrorBody,
  RuntimeSettingKey,
  SessionSummary,
  UpdateUserRequest,
  UserSummary,
} from '@atelier/contract';
import { passwordMinLength } from '@atelier/contract';
import { createFakeComfy, routeComfy, type FakeComfy } from './fake-comfy';
import { fail, reply as json } from './fake-reply';

/**
 * An in-memory stand-in for the Atelier API behind `fetch`, for store and component tests.
 * The session lives in `signedIn` the way the httpOnly cookies would; `expireAccess()` makes
 * the next authenticated call answer 401 until a refresh, like an expired access cookie.
 */
export interface FakeApi {
  fetch: typeof globalThis.fetch;
  calls: string[];
  /** Request headers, in the order of `calls`. */
  headers: Record<string, string>[];
  users: (UserSummary & { password: string })[];
  config: AdminConfigResponse;
  /** The audit log, oldest first (GET /api/admin/audit answers newest first); settings changes add to it. */
  audit: AuditEntry[];
  signedIn: AuthUser | null;
  isAccessExpired: boolean;
  isRefreshValid: boolean;
  /** ComfyUI and gallery state, routes and injected failures. */
  comfy: FakeComfy;
  /** Answer the next login with this status/body instead (e.g. 429). */
  nextLoginFailure: { status: number; body: ErrorBody; headers?: Record<string, string> } | null;
  /** GET /api/auth/sessions answers these (the signed-in user's); DELETE removes from them. */
  sessions: SessionSummary[];
  /** GET /api/auth/me's count of the signed-in user's webhooks Atelier turned off. */
  disabledWebhooks: number;
  expireAccess(): void;
}

export function createFakeApi(): FakeApi {
  const now = new Date('2025-01-01T00:00:00Z').toISOString();
  const api: FakeApi = {
    calls: [],
    headers: [],
    users: [
      {
        id: 1,
        username: 'admin',
        password: 'correct horse',
        role: 'admin',
        disabled: false,
        must_change_password: false,
        created_at: now,
        updated_at: now,
      },
    ],
    config: {
      settings: {
        comfy_enabled: { value: false, source: 'default' },
        comfy_api_url: { value: 'http://127.0.0.1:8188', source: 'default' },
        comfy_timeout: { value: 30, source: 'default' },
        comfy_health_interval_s: { value: 10, source: 'env' },
        comfy_reconnect_max_attempts: { value: 5, source: 'default' },
        comfy_reconnect_base_delay_s: { value: 1, source: 'default' },
        comfy_reconnect_max_delay_s: { value: 30, source: 'default' },
        comfy_object_info_ttl_s: { value: 300, source: 'default' },
        comfy_raw_graph_min_role: { value: 'curator', source: 'default' },
        comfy_node_allow_list: { value: [], source: 'default' },
        comfy_queue_paused: { value: false, source: 'default' },
        comfy_prefetch: { value: 1, source: 'default' },
        comfy_backend_lost_after_s: { value: 60, source: 'default' },
        comfy_warmup_on_connect: { value: true, source: 'default' },
        gallery_auto_capture: { value: false, source: 'default' },
        gallery_trash_retention_days: { value: 30, source: 'default' },
      },
      static: {
        port: 3000,
        root_dir: '/srv/atelier',
        db_path: '/srv/atelier/data/atelier.sqlite',
        comfy_image_dir: '/srv/atelier/generated/comfy',
      },
    },
    audit: [],
    signedIn: null,
    comfy: createFakeComfy(),
    isAccessExpired: false,
    isRefreshValid: true,
    nextLoginFailure: null,
    sessions: [],
    disabledWebhooks: 0,
    expireAccess() {
      api.isAccessExpired = true;
    },
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input), 'http://localhost');
      const method = init?.method ?? 'GET';
      const body: unknown =
        typeof init?.body === 'string' ? JSON.parse(init.body) : (init?.body ?? undefined);
      api.calls.push(`${method} ${url.pathname}`);
      api.headers.push({ ...(init?.headers as Record<string, string> | undefined) });
      return route(method, url, body);
    },
  };

  const toAuthUser = ({ id, username, role }: UserSummary): AuthUser => ({ id, username, role });
  const toSummary = ({ password: _password, ...user }: UserSummary & { password: string }): UserSummary =>
    user;

  function route(method: string, url: URL, body: unknown): Response {
    const path = url.pathname;
    if (method === 'POST' && path === '/api/auth/login')
      return login(body as { username: string; password: string });
    if (method === 'POST' && path === '/api/auth/refresh') {
      if (!api.signedIn || !api.isRefreshValid) return fail(401, 'auth.unauthenticated', 'No session.');
      api.isAccessExpired = false;
      return json(200, { access_token: 'a2', expires_in: 900, user: api.signedIn });
    }
    if (method === 'POST' && path === '/api/auth/logout') {
      api.signedIn = null;
      return new Response(null, { status: 204 });
    }
    if (!api.signedIn || api.isAccessExpired) return fail(401, 'auth.unauthenticated', 'Sign in first.');
    if (method === 'GET' && path === '/api/auth/me')
      return json(200, { ...api.signedIn, ...mustChange(), disabled_webhooks: api.disabledWebhooks });
    const accountAnswer = routeAccount(method, url, body);
    if (accountAnswer) return accountAnswer;
    const comfyAnswer = routeComfy(api.comfy, api.signedIn, method, url, body);
    if (comfyAnswer) return comfyAnswer;
    // Boards are not modelled here: an empty list keeps the gallery's sidebar quiet.
    if (method === 'GET' && path === '/api/boards') return json(200, { items: [] });
    if (api.signedIn.role !== 'admin') return fail(403, 'auth.forbidden', 'Admins only.');
    if (method === 'GET' && path === '/api/admin/users') return json(200, api.users.map(toSummary));
    if (method === 'POST' && path === '/api/admin/users') return createUser(body as CreateUserRequest);
    const userPath = /^\/api\/admin\/users\/(\d+)$/.exec(path);
    if (method === 'PATCH' && userPath) return updateUser(Number(userPath[1]), body as UpdateUserRequest);
    if (method === 'GET' && path === '/api/admin/config') return json(200, api.config);
    if (method === 'GET' && path === '/api/admin/audit') return auditPage(url.searchParams);
    if (method === 'PATCH' && path === '/api/admin/config')
      return patchConfig(body as Record<string, unknown>);
    if (method === 'POST' && path === '/api/admin/comfy/managed/restart') return restartManaged();
    return fail(404, 'not_found', `No route ${method} ${path}.`);
  }

  function login({ username, password }: { username: string; password: string }): Response {
    if (api.nextLoginFailure) {
      const { status, body, headers } = api.nextLoginFailure;
      api.nextLoginFailure = null;
      return json(status, body, headers);
    }
    const user = api.users.find((u) => u.username === username && u.password === password);
    if (!user) return fail(401, 'auth.invalid_credentials', 'Invalid username or password.');
    api.signedIn = toAuthUser(user);
    api.isAccessExpired = false;
    return json(200, {
      access_token: 'a1',
      expires_in: 900,
      user: api.signedIn,
      must_change_password: user.must_change_password,
    });
  }

  const signedInRecord = () => api.users.find((u) => u.id === api.signedIn?.id);
  const mustChange = () => ({ must_change_password: signedInRecord()?.must_change_password ?? false });

  /** Your password and sessions (any signed-in user), and an admin's reset of someone's password. */
  function routeAccount(method: string, url: URL, body: unknown): Response | null {
    const path = url.pathname;
    if (method === 'POST' && path === '/api/auth/password') {
      const { current_password, new_password } = body as { current_password: string; new_password: string };
      const me = signedInRecord();
      if (!me || me.password !== current_password)
        return fail(400, 'auth.wrong_password', 'The current password is wrong', {
          current_password: ['current_password is wrong'],
        });
      Object.assign(me, { password: new_password, must_change_password: false });
      api.sessions = api.sessions.filter((s) => s.is_current);
      return json(200, {
        access_token: 'a3',
        expires_in: 900,
        user: api.signedIn,
        must_change_password: false,
      });
    }
    if (signedInRecord()?.must_change_password)
      return fail(403, 'auth.password_change_required', 'Choose a new password first.');
    if (method === 'GET' && path === '/api/auth/sessions') return json(200, { items: api.sessions });
    if (method === 'DELETE' && path === '/api/auth/sessions') {
      api.sessions = api.sessions.filter((s) => s.is_current);
      return new Response(null, { status: 204 });
    }
    const sessionPath = /^\/api\/auth\/sessions\/([^/]+)$/.exec(path);
    if (method === 'DELETE' && sessionPath) {
      const id = decodeURIComponent(sessionPath[1] ?? '');
      const ended = api.sessions.find((s) => s.id === id);
      if (!ended) return fail(404, 'not_found', 'No such session');
      api.sessions = api.sessions.filter((s) => s !== ended);
      if (ended.is_current) api.signedIn = null;
      return new Response(null, { status: 204 });
    }
    const resetPath = /^\/api\/admin\/users\/(\d+)\/password$/.exec(path);
    if (method === 'POST' && resetPath && api.signedIn?.role === 'admin') {
      const user = api.users.find((u) => u.id === Number(resetPath[1]));
      if (!user) return fail(404, 'users.not_found', 'No such user.');
      const { password } = body as { password: string };
      if (password.length < passwordMinLength)
        return fail(400, 'validation_failed', 'Invalid password.', {
          password: [`password must be at least ${passwordMinLength} characters`],
        });
      Object.assign(user, { password, must_change_password: true });
      return json(200, toSummary(user));
    }
    return null;
  }

  function createUser({ username, password, role }: CreateUserRequest): Response {
    const details: Record<string, string[]> = {};
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$/.test(username)) details.username = ['username is not valid'];
    if (password.length < passwordMinLength)
      details.password = [`password must be at least ${passwordMinLength} characters`];
    if (Object.keys(details).length > 0) return fail(400, 'validation_failed', 'Invalid user.', details);
    if (api.users.some((u) => u.username === username))
      return fail(409, 'users.username_taken', 'Username taken.');
    const user = {
      id: api.users.length + 1,
      username,
      password,
      role,
      disabled: false,
      must_change_password: false,
      created_at: now,
      updated_at: now,
    };
    api.users.push(user);
    return json(201, toSummary(user));
  }

  function updateUser(id: number, patch: UpdateUserRequest): Response {
    const user = api.users.find((u) => u.id === id);
    if (!user) return fail(404, 'users.not_found', 'No such user.');
    const admins = api.users.filter((u) => u.role === 'admin' && !u.disabled);
    const losesAdmin =
      user.role === 'admin' && (patch.disabled === true || (patch.role && patch.role !== 'admin'));
    if (losesAdmin && admins.length === 1) return fail(409, 'users.last_admin', 'Keep at least one admin.');
    Object.assign(user, patch);
    return json(200, toSummary(user));
  }

  function patchConfig(patch: Record<string, unknown>): Response {
    const settings = api.config.settings as Record<RuntimeSettingKey, { value: unknown; source: string }>;
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    for (const [key, value] of Object.entries(patch)) {
      const current = settings[key as RuntimeSettingKey];
      if (typeof value === 'number' && value < 0) {
        return fail(400, 'validation_failed', 'Invalid settings.', { [key]: [`${key} must be at least 0`] });
      }
      settings[key as RuntimeSettingKey] =
        value === null ? { ...current, source: 'default' } : { value, source: 'admin' };
      if (value !== null && value !== current.value) changed[key] = { from: current.value, to: value };
    }
    if (Object.keys(changed).length > 0 && api.signedIn) {
      api.audit.push({
        id: api.audit.length + 1,
        at: new Date().toISOString(),
        actor: { id: api.signedIn.id, username: api.signedIn.username },
        action: 'settings.changed',
        target: { type: 'settings', id: null, label: null },
        details: { changed },
      });
    }
    return json(200, api.config);
  }

  /** Newest first; the cursor is the id of the last entry shown, as opaque as the real one needs to be here. */
  function auditPage(search: URLSearchParams): Response {
    const limit = Number(search.get('limit') ?? 50);
    const before = search.has('cursor') ? Number(search.get('cursor')) : Infinity;
    const action = search.get('action');
    const matching = [...api.audit]
      .reverse()
      .filter((entry) => entry.id < before && (!action || entry.action === action));
    const items = matching.slice(0, limit);
    const last = items.at(-1);
    return json(200, { items, next_cursor: matching.length > limit && last ? String(last.id) : null });
  }

  function restartManaged(): Response {
    const managed = api.comfy.managed;
    if (!managed) return fail(409, 'conflict', 'Managed mode is off.');
    api.comfy.managed = { ...managed, state: 'initializing', restarts: managed.restarts + 1, pid: null };
    return json(202, { enabled: true, status: api.comfy.managed });
  }

  return api;
}
