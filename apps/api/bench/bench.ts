/**
 * `pnpm bench [group…] [--json FILE]`: runs the named groups (all by default), each against its own
 * API and simulator, prints their tables, then one summary where each figure stands beside its target
 * and the baseline measured in the same run. `--json FILE` writes the figures for tools (CI trends).
 * Exits 0 even when a target is missed: the figures are for people to read, the tests judge behaviour.
 *
 * Threads: the API runs on the main thread; the simulator, load generators and SSE clients each on
 * their own worker, so the event loop and CPU measured are the server's.
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fmt, pad } from './bench-kit.js';
import { meets, type BenchGroup, type Figure } from './figures.js';
import { clusterGroup } from './group-cluster.js';
import { exportGroup } from './group-export.js';
import { galleryGroup } from './group-gallery.js';
import { poolGroup } from './group-pool.js';
import { requestsGroup } from './group-requests.js';
import { sseGroup } from './group-sse.js';
import { viewGroup } from './group-view.js';

const groups: readonly BenchGroup[] = [
  requestsGroup,
  viewGroup,
  sseGroup,
  galleryGroup,
  exportGroup,
  poolGroup,
  clusterGroup,
];

interface Choice {
  groups: BenchGroup[];
  jsonFile: string | null;
}

function usage(): string {
  return [
    'usage: pnpm bench [group…] [--json FILE]',
    ...groups.map((group) => `  ${group.name.padEnd(10)}${group.summary}`),
  ].join('\n');
}

function parseArgs(argv: readonly string[]): Choice | string {
  const chosen: BenchGroup[] = [];
  let jsonFile: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') continue;
    if (arg === '--help' || arg === '-h') return usage();
    if (arg === '--json') {
      const file = argv[++i];
      if (!file) return `--json needs a file name\n${usage()}`;
      jsonFile = file;
      continue;
    }
    const group = groups.find((candidate) => candidate.name === arg);
    if (!group) return `unknown bench group "${arg}"\n${usage()}`;
    if (!chosen.includes(group)) chosen.push(group);
  }
  return { groups: chosen.length > 0 ? chosen : [...groups], jsonFile };
}

function summary(figures: readonly Figure[]): string[] {
  const lines = [
    'Summary',
    `  ${'group'.padEnd(10)}${'figure'.padEnd(52)}${pad('value', 10)}${pad('target', 10)}  ${'baseline (same run)'.padEnd(34)}`,
  ];
  for (const figure of figures) {
    const target = figure.target ? `${figure.target.op} ${figure.target.value}` : '—';
    const verdict = figure.target ? (meets(figure) ? 'PASS' : 'MISS') : '';
    const baseline = figure.baseline ? `${figure.baseline.name} ${fmt(figure.baseline.value, 3)}` : '—';
    lines.push(
      `  ${figure.group.padEnd(10)}${`${figure.name} (${figure.unit})`.padEnd(52)}${pad(fmt(figure.value, 3), 10)}` +
        `${pad(target, 10)}  ${baseline.padEnd(34)}${verdict}`,
    );
  }
  return lines;
}

async function main(): Promise<number> {
  const choice = parseArgs(process.argv.slice(2));
  if (typeof choice === 'string') {
    console.log(choice);
    return choice.startsWith('usage') ? 0 : 2;
  }
  console.log(`Atelier benchmark — Node ${process.version}, ${cpus().length} CPUs`);
  console.log(`groups: ${choice.groups.map((group) => group.name).join(', ')}`);
  console.log('');
  const figures: Figure[] = [];
  for (const group of choice.groups) figures.push(...(await group.run()));
  for (const line of summary(figures)) console.log(line);
  const judged = figures.filter((figure) => figure.target);
  const missed = judged.filter((figure) => !meets(figure));
  console.log('');
  console.log(
    missed.length === 0 ? 'All targets met.' : `${missed.length} of ${judged.length} targets missed.`,
  );
  if (choice.jsonFile) {
    const file = resolve(process.env.INIT_CWD ?? process.cwd(), choice.jsonFile);
    const report = {
      node: process.version,
      cpus: cpus().length,
      at: new Date().toISOString(),
      figures: figures.map((figure) => ({ ...figure, pass: figure.target ? meets(figure) : null })),
    };
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`figures written to ${file}`);
  }
  return 0;
}

process.exitCode = await main();
