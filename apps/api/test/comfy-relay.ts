/**
 * A relay between the API and the simulator, for tests that must see or shape what ComfyUI answers:
 * each HTTP request goes to `handle`, which answers it itself or forwards it (optionally shaping the
 * answer); WebSocket upgrades are relayed as raw bytes, so the socket's events pass untouched.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

/** Sends ComfyUI's answer on to the API; the default writes its status and headers and pipes the body. */
export type Respond = (answer: IncomingMessage, res: ServerResponse) => void;

export type RelayHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  forward: (respond?: Respond) => void,
) => void;

const passThrough: Respond = (answer, res) => {
  res.writeHead(answer.statusCode ?? 502, answer.headers);
  answer.pipe(res);
};

export class ComfyRelay {
  url = '';
  private readonly sockets = new Set<Duplex>();
  private readonly server: Server;

  private constructor(
    private readonly targetPort: number,
    handle: RelayHandler,
  ) {
    this.server = createServer((req, res) => handle(req, res, (respond) => this.forward(req, res, respond)));
    this.server.on('connection', (socket) => this.track(socket));
    this.server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) =>
      this.upgrade(req, client, head),
    );
  }

  /** Listens on an ephemeral loopback port in front of ComfyUI (the simulator) at `targetPort`. */
  static async start(targetPort: number, handle: RelayHandler = (_req, _res, forward) => forward()) {
    const relay = new ComfyRelay(targetPort, handle);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    const address = relay.server.address();
    relay.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return relay;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(req: IncomingMessage, res: ServerResponse, respond: Respond = passThrough): void {
    const upstream = request(
      {
        host: '127.0.0.1',
        port: this.targetPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => respond(answer, res),
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  private upgrade(req: IncomingMessage, client: Duplex, head: Buffer): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.track(client);
    this.track(upstream);
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  }

  private track(socket: Duplex): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }
}
