#!/usr/bin/env node
// Initial JavaScript of the built app: the entry chunk and everything it imports statically (what a
// first visit downloads before any route loads), gzip-compressed. Fails the build above the budget.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const budgetKb = 150;
const dist = join(dirname(fileURLToPath(import.meta.url)), '../dist');
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));

const entries = Object.entries(manifest).filter(([, chunk]) => chunk.isEntry);
if (entries.length === 0) throw new Error('report-size: the Vite manifest lists no entry chunk');

const seen = new Set();
const rows = [];
function visit(key) {
  if (seen.has(key)) return;
  seen.add(key);
  const chunk = manifest[key];
  if (!chunk) throw new Error(`report-size: ${key} is not in the manifest`);
  if (chunk.file.endsWith('.js')) {
    const bytes = readFileSync(join(dist, chunk.file));
    rows.push({ file: chunk.file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  // `imports` are static imports; `dynamicImports` (the lazily loaded routes) are not counted.
  for (const imported of chunk.imports ?? []) visit(imported);
}
for (const [key] of entries) visit(key);

const kb = (n) => (n / 1024).toFixed(1);
const total = rows.reduce((sum, row) => sum + row.gzip, 0);
for (const row of rows)
  console.log(`  ${row.file.padEnd(40)} ${kb(row.raw).padStart(7)} KB  gzip ${kb(row.gzip)} KB`);
console.log(`Initial JS (entry + static imports, gzip): ${kb(total)} KB of ${budgetKb} KB budget`);
if (total > budgetKb * 1024) {
  console.error(
    `Initial JS is over budget by ${kb(total - budgetKb * 1024)} KB: split routes or drop imports.`,
  );
  process.exit(1);
}
