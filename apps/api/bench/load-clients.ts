/**
 * The other side of `pnpm load`, in a process of its own so that the API process's CPU time is the
 * server's alone: the ComfyUI simulator on this process's main thread, the users on LOAD_THREADS worker
 * threads. Speaks to load.ts over IPC: `{ sim }` when the simulator listens, then `run` → `{ stats }`.
 */
import { startComfySim } from '@atelier/comfy-sim';
import { message, worker } from './harness.js';
import { mergeStats, shareUsers, type LoadOptions, type LoadStats } from './load-users.js';

export type ClientsCommand = { run: LoadOptions; threads: number } | 'close';
export type ClientsReport = { sim: string } | { stats: LoadStats; cpuS: number };

const stepMs = Number(process.argv[2] ?? 10);
const send = (report: ClientsReport) => process.send?.(report);

const sim = await startComfySim({ port: 0, stepMs });
send({ sim: sim.url });

process.on('message', (command: ClientsCommand) => {
  if (command === 'close') {
    void sim.close().then(() => process.exit(0));
    return;
  }
  void (async () => {
    const before = process.cpuUsage();
    const clients = shareUsers(command.run.users, command.threads).map((users) =>
      worker('./load-users.worker.js', { ...command.run, users } satisfies LoadOptions),
    );
    const parts = await Promise.all(clients.map((client) => message<LoadStats>(client)));
    // Their connection pools keep idle sockets open; the results are in.
    await Promise.all(clients.map((client) => client.terminate()));
    const cpu = process.cpuUsage(before);
    send({ stats: mergeStats(parts), cpuS: (cpu.user + cpu.system) / 1e6 });
  })();
});
