#!/usr/bin/env node
// The ComfyUI simulator as its own process for the browser tests, plus a small control port so a test
// can take "ComfyUI" off the network and bring it back (real sockets: the listener closes and reopens).
//   node comfy-sim-server.mjs --port 8188 --control-port 8189 --step-ms 150
//   POST /down     stop accepting connections (existing ones dropped); queue and history are kept
//   POST /up       listen again on the same port
//   POST /restart  like the process dying and starting again: queue and history are forgotten
//   POST /step-ms?ms=N
import { startComfySim } from '@atelier/comfy-sim';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'control-port': { type: 'string' },
    'step-ms': { type: 'string', default: '150' },
  },
});
const port = Number(values.port);
const controlPort = Number(values['control-port']);
if (!Number.isInteger(port) || !Number.isInteger(controlPort)) {
  console.error('usage: comfy-sim-server.mjs --port N --control-port N [--step-ms N]');
  process.exit(2);
}

const sim = await startComfySim({ port, host: '127.0.0.1', stepMs: Number(values['step-ms']) });
console.log(`comfy-sim on ${sim.url}, control on http://127.0.0.1:${controlPort}`);

const actions = {
  'POST /down': () => sim.setFaults({ refuseConnections: true }),
  'POST /up': () => sim.clearFaults(),
  'POST /restart': () => sim.restart(),
  'POST /step-ms': (url) => sim.setStepMs(Number(url.searchParams.get('ms'))),
  'GET /health': () => undefined,
};

const control = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const action = actions[`${req.method} ${url.pathname}`];
  if (!action) {
    res.writeHead(404).end();
    return;
  }
  Promise.resolve(action(url)).then(
    () => res.writeHead(204).end(),
    (error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
  );
});
control.listen(controlPort, '127.0.0.1');

const stop = () => {
  control.close();
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
