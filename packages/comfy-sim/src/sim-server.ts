/**
 * The simulator process: an HTTP server with ComfyUI's routes and origin check, the /ws socket hub,
 * one prompt worker, and the fault switches tests use to play a misbehaving or dying ComfyUI.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';

import { WebSocketServer } from 'ws';

import { Executor } from './executor.js';
import { HandlerCrash, sendEmpty, sendInternalError } from './http-util.js';
import { customValidators } from './nodes.js';
import { ObjectInfo, recordedObjectInfo, type NodeDef } from './object-info.js';
import { originAllowed } from './origin.js';
import type { SimDirs } from './paths.js';
import { PromptQueue } from './prompt-queue.js';
import { deepCopyPy } from './py-json.js';
import { dispatch, statusMessage, type RouteContext, type ServerState } from './routes.js';
import type { ComfySim, SimFaults, SimOptions } from './types.js';
import { WsHub } from './ws-hub.js';

export class SimServer implements ComfySim {
  readonly dataDir: string;
  private readonly ownsDataDir: boolean;
  private readonly host: string;
  private _port: number;
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly hub = new WsHub();
  private readonly connections = new Set<Socket>();
  private readonly dirs: SimDirs;
  private readonly objectInfo: ObjectInfo;
  private readonly routeCtx: Omit<RouteContext, 'state'>;
  private state: ServerState | undefined;
  private faults: SimFaults = {};
  private error500Left = 0;
  private readonly stalls = new Set<() => void>();
  private stepMs: number;
  private isDown = false;
  private isClosed = false;
  private readonly log: (line: string) => void;
  /** Prompt ids queued by POST /prompt, in order; outlives goDown like a client's request log would. */
  private readonly posted: string[] = [];

  constructor(private readonly opts: SimOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this._port = opts.port ?? 0;
    this.stepMs = opts.stepMs ?? 20;
    this.log = opts.log ?? (() => undefined);
    this.ownsDataDir = opts.dataDir === undefined;
    this.dataDir = resolve(opts.dataDir ?? mkdtempSync(join(tmpdir(), 'comfy-sim-')));
    this.dirs = {
      input: join(this.dataDir, 'input'),
      output: join(this.dataDir, 'output'),
      temp: join(this.dataDir, 'temp'),
      models: join(this.dataDir, 'models'),
    };
    for (const d of [this.dirs.input, this.dirs.output, this.dirs.temp, this.dirs.models])
      mkdirSync(d, { recursive: true });
    const defs = opts.objectInfo
      ? (deepCopyPy(opts.objectInfo) as Record<string, NodeDef>)
      : recordedObjectInfo();
    this.objectInfo = new ObjectInfo(defs, {
      inputDir: this.dirs.input,
      modelsDir: this.dirs.models,
      models: opts.models,
    });
    this.routeCtx = {
      objectInfo: this.objectInfo,
      dirs: this.dirs,
      customValidators: customValidators(this.dirs),
      argv: opts.argv ?? ['main.py', '--listen', this.host, '--port', String(this._port)],
      honourPromptId: opts.honourPromptId ?? true,
      log: this.log,
      onQueued: (promptId) => this.posted.push(promptId),
    };
    this.http = createServer((req, res) => void this.onRequest(req, res));
    this.http.keepAliveTimeout = 5000;
    this.http.on('connection', (sock: Socket) => {
      this.connections.add(sock);
      sock.on('close', () => this.connections.delete(sock));
    });
    this.http.on('upgrade', (req: IncomingMessage, sock: Duplex, head: Buffer) =>
      this.onUpgrade(req, sock, head),
    );
  }

  get port(): number {
    return this._port;
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${h}:${this._port}`;
  }

  async start(): Promise<void> {
    this.state = this.newState();
    await this.listen();
    if (this.opts.argv === undefined) this.routeCtx.argv[4] = String(this._port);
  }

  setFaults(f: SimFaults): void {
    const wasRefusing = this.faults.refuseConnections === true;
    this.faults = { ...f };
    this.error500Left = typeof f.error500 === 'number' ? f.error500 : 0;
    if (!f.stallMs) this.releaseStalls();
    if (f.refuseConnections && !wasRefusing) void this.stopListening();
    if (!f.refuseConnections && wasRefusing && !this.isDown && !this.isClosed) {
      this.listen().catch((err: unknown) => this.log(`comfy-sim: could not listen again: ${String(err)}`));
    }
  }

  clearFaults(): void {
    this.setFaults({});
  }

  dropSockets(): void {
    this.hub.terminateAll();
  }

  async goDown(): Promise<void> {
    if (this.isDown || this.isClosed) return;
    this.isDown = true;
    this.state?.executor.kill();
    this.state = undefined;
    this.releaseStalls();
    await this.stopListening();
  }

  async comeBack(): Promise<void> {
    if (!this.isDown || this.isClosed) return;
    this.isDown = false;
    this.state = this.newState();
    if (!this.faults.refuseConnections) await this.listen();
  }

  async restart(): Promise<void> {
    await this.goDown();
    await this.comeBack();
  }

  setStepMs(ms: number): void {
    this.stepMs = Math.max(0, ms);
    this.state?.executor.retime(this.stepMs);
  }

  postedCount(promptId: string): number {
    return this.posted.filter((id) => id === promptId).length;
  }

  postedPromptIds(): string[] {
    return [...this.posted];
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.state?.executor.kill();
    this.state = undefined;
    this.releaseStalls();
    await this.stopListening();
    this.wss.close();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private newState(): ServerState {
    const queue: PromptQueue = new PromptQueue(() => this.hub.send('status', statusMessage(state), null));
    const executor = new Executor(queue, {
      objectInfo: this.objectInfo,
      dirs: this.dirs,
      sink: this.hub,
      stepMs: () => this.stepMs,
      previews: this.opts.previews ?? true,
      log: this.log,
    });
    const state: ServerState = { queue, executor, number: 0 };
    void executor.runWorker();
    return state;
  }

  private listen(): Promise<void> {
    if (this.http.listening) return Promise.resolve();
    return new Promise((resolvePromise, reject) => {
      const onError = (err: Error): void => {
        this.http.off('listening', onListening);
        reject(err);
      };
      const onListening = (): void => {
        this.http.off('error', onError);
        const addr = this.http.address();
        if (addr && typeof addr === 'object') this._port = addr.port;
        resolvePromise();
      };
      this.http.once('error', onError);
      this.http.once('listening', onListening);
      this.http.listen(this._port, this.host);
    });
  }

  /** Closes the listening socket at once (new connections are refused) and drops every open one. */
  private stopListening(): Promise<void> {
    this.hub.terminateAll();
    const closed = new Promise<void>((r) => {
      if (this.http.listening) this.http.close(() => r());
      else r();
    });
    for (const sock of this.connections) sock.destroy();
    this.connections.clear();
    return closed;
  }

  private releaseStalls(): void {
    for (const release of [...this.stalls]) release();
    this.stalls.clear();
  }

  private faultApplies(path: string): boolean {
    const prefix = this.faults.pathPrefix;
    if (!prefix) return true;
    const bare = path.startsWith('/api/') ? path.slice(4) : path;
    return path.startsWith(prefix) || bare.startsWith(prefix);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((r) => {
      const release = (): void => {
        clearTimeout(timer);
        this.stalls.delete(release);
        r();
      };
      const timer = setTimeout(release, ms);
      this.stalls.add(release);
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const rawPath = url.pathname;
    try {
      if (this.faultApplies(rawPath)) {
        const hold = (this.faults.stallMs ?? 0) + (this.faults.delayMs ?? 0);
        if (hold > 0) await this.wait(hold);
        if (this.faults.error500 === true || this.error500Left > 0) {
          if (
            this.error500Left > 0 &&
            --this.error500Left === 0 &&
            typeof this.faults.error500 === 'number'
          ) {
            this.faults = { ...this.faults, error500: undefined };
          }
          req.resume();
          return sendInternalError(res);
        }
      }
      const state = this.state;
      if (!state || res.destroyed) return void res.destroy();
      if (!originAllowed(req.headers)) {
        req.resume();
        return sendEmpty(res, 403);
      }
      if (req.method === 'OPTIONS') {
        req.resume();
        return sendEmpty(res, 200);
      }
      const path = rawPath.startsWith('/api/') ? rawPath.slice(4) : rawPath;
      await dispatch(req, res, path, url.searchParams, { ...this.routeCtx, state });
    } catch (err) {
      if (!(err instanceof HandlerCrash))
        this.log(`comfy-sim: ${req.method} ${rawPath} failed: ${String(err)}`);
      if (!res.headersSent && !res.destroyed) sendInternalError(res);
      else res.destroy();
    }
  }

  private onUpgrade(req: IncomingMessage, sock: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname.startsWith('/api/') ? url.pathname.slice(4) : url.pathname;
    const refuse = (status: string): void => {
      sock.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (path !== '/ws') return refuse('404 Not Found');
    if (this.faults.rejectWebSocket && this.faultApplies(url.pathname))
      return refuse('503 Service Unavailable');
    if (!originAllowed(req.headers)) return refuse('403 Forbidden');
    const state = this.state;
    if (!state) return void sock.destroy();
    this.wss.handleUpgrade(req, sock, head, (ws) => {
      const sid = this.hub.attach(ws, url.searchParams.get('clientId') || null);
      this.hub.sendTo(ws, 'status', { ...statusMessage(state), sid });
      // Reconnect while this client's prompt runs: tell it which node is executing.
      if (state.executor.clientId === sid && state.executor.lastNodeId !== null) {
        this.hub.sendTo(ws, 'executing', { node: state.executor.lastNodeId });
      }
    });
  }
}
