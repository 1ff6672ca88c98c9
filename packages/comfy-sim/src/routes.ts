/**
 * The HTTP routes of ComfyUI's server.py (all also reachable under /api), answering with the same
 * statuses, content types and body shapes as the recorded transcripts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { freemem, totalmem } from 'node:os';

import type { Executor } from './executor.js';
import { HandlerCrash, readBody, sendBody, sendEmpty, sendJson, sendText } from './http-util.js';
import type { ObjectInfo } from './object-info.js';
import type { SimDirs } from './paths.js';
import type { PromptQueue, QueueItem } from './prompt-queue.js';
import { PyError } from './py-error.js';
import { markFloat, parsePyJson, PyJsonError, pyStr, pyTruthy, pyTypeName } from './py-json.js';
import { handleUpload } from './upload.js';
import { isPlainObject, validatePrompt, type CustomValidator } from './validate.js';
import { handleView } from './view.js';

/** The per-"process" state: forgotten on restart, like ComfyUI's memory. */
export interface ServerState {
  queue: PromptQueue;
  executor: Executor;
  /** `self.number`: the next automatic queue number. */
  number: number;
}

export interface RouteContext {
  state: ServerState;
  objectInfo: ObjectInfo;
  dirs: SimDirs;
  customValidators: Readonly<Record<string, CustomValidator>>;
  argv: string[];
  honourPromptId: boolean;
  log: (line: string) => void;
  /** Told of every prompt a POST /prompt queued (the simulator's post counter). */
  onQueued: (promptId: string) => void;
}

export const COMFYUI_VERSION = 'v0.3.7-34-gcc550d59';

/** Python's `key in value` on a request body; TypeError (→ 500) for scalars. */
function bodyHas(body: unknown, key: string): boolean {
  if (isPlainObject(body)) return Object.hasOwn(body, key);
  if (Array.isArray(body)) return body.includes(key);
  if (typeof body === 'string') return body.includes(key);
  throw new HandlerCrash(`argument of type '${pyTypeName(body)}' is not iterable`);
}

function bodyGet(body: unknown, key: string): unknown {
  if (isPlainObject(body)) return body[key];
  throw new HandlerCrash(`${pyTypeName(body)} indices must be integers`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  try {
    return parsePyJson(text);
  } catch (err) {
    if (err instanceof PyJsonError) throw new HandlerCrash(err.message);
    throw err;
  }
}

function toPyFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v.trim()))) return Number(v.trim());
  throw new HandlerCrash(`could not convert ${pyTypeName(v)} to float`);
}

function queueInfo(state: ServerState): Record<string, unknown> {
  return { exec_info: { queue_remaining: state.queue.tasksRemaining() } };
}

export function statusMessage(state: ServerState): Record<string, unknown> {
  return { status: queueInfo(state) };
}

async function postPrompt(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  ctx.log('got prompt');
  const body = await readJson(req);
  const { state } = ctx;
  let number: number;
  let numberIsFloat = false;
  if (bodyHas(body, 'number')) {
    number = toPyFloat(bodyGet(body, 'number'));
    numberIsFloat = true;
  } else {
    number = state.number;
    if (bodyHas(body, 'front') && pyTruthy(bodyGet(body, 'front'))) number = -number;
    state.number++;
  }
  if (!bodyHas(body, 'prompt')) return sendJson(res, 400, { error: 'no prompt', node_errors: [] });

  const prompt = bodyGet(body, 'prompt');
  let valid;
  try {
    valid = validatePrompt(prompt, { objectInfo: ctx.objectInfo, customValidators: ctx.customValidators });
  } catch (err) {
    if (err instanceof PyError) throw new HandlerCrash(err.message);
    throw err;
  }
  let extraData: unknown = {};
  if (bodyHas(body, 'extra_data')) extraData = bodyGet(body, 'extra_data');
  if (bodyHas(body, 'client_id')) {
    if (!isPlainObject(extraData))
      throw new HandlerCrash(`'${pyTypeName(extraData)}' object does not support item assignment`);
    extraData['client_id'] = bodyGet(body, 'client_id');
  }
  if (!valid.ok) {
    ctx.log(`invalid prompt: ${valid.error.message}`);
    return sendJson(res, 400, { error: valid.error, node_errors: valid.nodeErrors });
  }
  // Later ComfyUI versions accept a client-chosen prompt_id; v0.3.7 ignores it.
  const requestedId =
    ctx.honourPromptId && bodyHas(body, 'prompt_id') ? bodyGet(body, 'prompt_id') : undefined;
  const promptId = requestedId !== undefined && requestedId !== null ? pyStr(requestedId) : randomUUID();
  const item: QueueItem = [
    number,
    promptId,
    prompt as Record<string, unknown>,
    isPlainObject(extraData) ? extraData : {},
    valid.outputs,
  ];
  if (numberIsFloat) markFloat(item, 0);
  state.queue.put(item);
  ctx.onQueued(promptId);
  const response = { prompt_id: promptId, number, node_errors: valid.nodeErrors };
  if (numberIsFloat) markFloat(response, 'number');
  sendJson(res, 200, response);
}

function deleteIds(body: unknown, remove: (id: unknown) => void): void {
  if (!bodyHas(body, 'delete')) return;
  const ids = bodyGet(body, 'delete');
  if (Array.isArray(ids)) ids.forEach(remove);
  else if (typeof ids === 'string') [...ids].forEach(remove);
  else if (isPlainObject(ids)) Object.keys(ids).forEach(remove);
  else throw new HandlerCrash(`'${pyTypeName(ids)}' object is not iterable`);
}

async function postQueue(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  const body = await readJson(req);
  const { queue } = ctx.state;
  if (bodyHas(body, 'clear') && pyTruthy(bodyGet(body, 'clear'))) queue.wipeQueue();
  deleteIds(body, (id) => queue.deleteQueueItem((item) => item[1] === id));
  sendEmpty(res, 200);
}

async function postHistory(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
  const body = await readJson(req);
  const { queue } = ctx.state;
  if (bodyHas(body, 'clear') && pyTruthy(bodyGet(body, 'clear'))) queue.wipeHistory();
  deleteIds(body, (id) => {
    if (typeof id === 'string') queue.deleteHistoryItem(id);
  });
  sendEmpty(res, 200);
}

function getHistory(res: ServerResponse, query: URLSearchParams, ctx: RouteContext): void {
  const raw = query.get('max_items');
  let maxItems: number | undefined;
  if (raw !== null) {
    const t = raw.trim().replace(/_/g, '');
    if (!/^[+-]?\d+$/.test(t)) throw new HandlerCrash(`invalid literal for int() with base 10: '${raw}'`);
    maxItems = Number(t);
  }
  sendJson(res, 200, ctx.state.queue.getHistory(undefined, maxItems));
}

function systemStats(ctx: RouteContext): Record<string, unknown> {
  const total = totalmem();
  const free = freemem();
  return {
    system: {
      os: 'posix',
      ram_total: total,
      ram_free: free,
      comfyui_version: COMFYUI_VERSION,
      python_version: `3.11.2 (comfy-sim on Node.js ${process.version})`,
      pytorch_version: '1.13.0a0',
      embedded_python: false,
      argv: ctx.argv,
    },
    devices: [
      {
        name: 'cpu',
        type: 'cpu',
        index: null,
        vram_total: total,
        vram_free: free,
        torch_vram_total: total,
        torch_vram_free: free,
      },
    ],
  };
}

const INDEX_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>ComfyUI (comfy-sim)</title></head>
<body><h1>comfy-sim</h1><p>A ComfyUI-protocol simulator. There is no graph editor here; use the HTTP and WebSocket API.</p></body></html>
`;

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  ctx: RouteContext,
  param: string,
) => void | Promise<void>;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: Handler;
}

const routes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/$/,
    handler: (_q, res) => sendBody(res, 200, 'text/html', Buffer.from(INDEX_HTML)),
  },
  { method: 'GET', pattern: /^\/embeddings$/, handler: (_q, res) => sendJson(res, 200, []) },
  { method: 'GET', pattern: /^\/extensions$/, handler: (_q, res) => sendJson(res, 200, []) },
  {
    method: 'GET',
    pattern: /^\/models$/,
    handler: (_q, res, _u, ctx) => sendJson(res, 200, ctx.objectInfo.modelFolders()),
  },
  {
    method: 'GET',
    pattern: /^\/models\/([^/]+)$/,
    handler: (_q, res, _u, ctx, folder) =>
      ctx.objectInfo.modelFolders().includes(folder)
        ? sendJson(res, 200, ctx.objectInfo.modelNames(folder))
        : sendEmpty(res, 404),
  },
  {
    method: 'GET',
    pattern: /^\/system_stats$/,
    handler: (_q, res, _u, ctx) => sendJson(res, 200, systemStats(ctx)),
  },
  {
    method: 'GET',
    pattern: /^\/prompt$/,
    handler: (_q, res, _u, ctx) => sendJson(res, 200, queueInfo(ctx.state)),
  },
  { method: 'POST', pattern: /^\/prompt$/, handler: (req, res, _u, ctx) => postPrompt(req, res, ctx) },
  {
    method: 'GET',
    pattern: /^\/object_info$/,
    handler: (_q, res, _u, ctx) => sendJson(res, 200, ctx.objectInfo.all()),
  },
  {
    method: 'GET',
    pattern: /^\/object_info\/([^/]+)$/,
    handler: (_q, res, _u, ctx, cls) => {
      const def = ctx.objectInfo.get(cls);
      sendJson(res, 200, def ? { [cls]: def } : {});
    },
  },
  { method: 'GET', pattern: /^\/history$/, handler: (_q, res, query, ctx) => getHistory(res, query, ctx) },
  {
    method: 'GET',
    pattern: /^\/history\/([^/]+)$/,
    handler: (_q, res, _u, ctx, id) => sendJson(res, 200, ctx.state.queue.getHistory(id)),
  },
  { method: 'POST', pattern: /^\/history$/, handler: (req, res, _u, ctx) => postHistory(req, res, ctx) },
  {
    method: 'GET',
    pattern: /^\/queue$/,
    handler: (_q, res, _u, ctx) => {
      const [running, pending] = ctx.state.queue.currentQueue();
      sendJson(res, 200, { queue_running: running, queue_pending: pending });
    },
  },
  { method: 'POST', pattern: /^\/queue$/, handler: (req, res, _u, ctx) => postQueue(req, res, ctx) },
  {
    method: 'POST',
    pattern: /^\/interrupt$/,
    handler: (_q, res, _u, ctx) => {
      ctx.state.executor.interrupt();
      sendEmpty(res, 200);
    },
  },
  {
    method: 'POST',
    pattern: /^\/free$/,
    handler: async (req, res) => {
      await readJson(req);
      sendEmpty(res, 200);
    },
  },
  {
    method: 'GET',
    pattern: /^\/view$/,
    handler: (req, res, query, ctx) => handleView(req, res, query, ctx.dirs),
  },
  {
    method: 'POST',
    pattern: /^\/upload\/image$/,
    handler: (req, res, _u, ctx) => handleUpload(req, res, ctx.dirs),
  },
];

/** Dispatches one request (path without the /api prefix). Returns false when no route matched. */
export async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  ctx: RouteContext,
): Promise<void> {
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  const matching = routes.filter((r) => r.pattern.test(path));
  if (path === '/ws') {
    return sendText(res, 400, '400: No WebSocket UPGRADE hdr: None\n Can "Upgrade" only to "WebSocket".');
  }
  if (matching.length === 0) return sendText(res, 404, '404: Not Found');
  const route = matching.find((r) => r.method === method);
  if (!route) {
    return sendText(res, 405, '405: Method Not Allowed', {
      Allow: [...new Set(matching.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])))].join(
        ',',
      ),
    });
  }
  const m = route.pattern.exec(path);
  const raw = m?.[1] ?? '';
  let param: string;
  try {
    param = decodeURIComponent(raw);
  } catch {
    param = raw;
  }
  await route.handler(req, res, query, ctx, param);
}
