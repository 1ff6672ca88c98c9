import { randomUUID } from 'node:crypto';

import { WebSocket } from 'ws';

import type { MessageSink } from './executor.js';
import { dumpsPy } from './py-json.js';

/**
 * server.py's socket table: one socket per sid. Like upstream, a reconnect with the same clientId
 * replaces the entry without closing the old socket, and *any* socket closing removes its sid —
 * so closing the replaced socket silently unregisters the new one.
 */
export class WsHub implements MessageSink {
  private readonly sockets = new Map<string, WebSocket>();
  private readonly open = new Set<WebSocket>();
  /** Bumped by terminateAll: close events of sockets from a previous "process" must not touch the table. */
  private generation = 0;

  /** Registers a socket and returns its sid (the clientId, or a fresh 32-hex id). */
  attach(ws: WebSocket, clientId: string | null): string {
    let sid = clientId ?? '';
    if (sid) this.sockets.delete(sid);
    else sid = randomUUID().replace(/-/g, '');
    this.sockets.set(sid, ws);
    this.open.add(ws);
    const generation = this.generation;
    ws.on('close', () => {
      this.open.delete(ws);
      if (generation === this.generation) this.sockets.delete(sid);
    });
    ws.on('error', () => undefined);
    return sid;
  }

  send(event: string, data: Record<string, unknown>, sid: string | null): void {
    const text = dumpsPy({ type: event, data });
    for (const ws of this.targets(sid)) if (ws.readyState === WebSocket.OPEN) ws.send(text, () => undefined);
  }

  sendTo(ws: WebSocket, event: string, data: Record<string, unknown>): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(dumpsPy({ type: event, data }), () => undefined);
  }

  sendBinary(payload: Buffer, sid: string | null): void {
    for (const ws of this.targets(sid))
      if (ws.readyState === WebSocket.OPEN) ws.send(payload, () => undefined);
  }

  /** Terminates every socket (no close frame), as a crashed server or a network drop would. */
  terminateAll(): void {
    this.generation++;
    for (const ws of [...this.open]) ws.terminate();
    this.open.clear();
    this.sockets.clear();
  }

  get size(): number {
    return this.open.size;
  }

  private targets(sid: string | null): WebSocket[] {
    if (sid === null) return [...this.sockets.values()];
    const ws = this.sockets.get(sid);
    return ws ? [ws] : [];
  }
}
