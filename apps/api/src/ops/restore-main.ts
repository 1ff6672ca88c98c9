/** `npm run restore -- DIR`: rebuilds the configured (empty) data folder from the backup in DIR (see restore.ts). */
import { resolve } from 'node:path';
import { describeDatabase } from '../config/database-config.js';
import { loadConfigFromProcess } from '../config/load-config-from-process.js';
import { RestoreRefused, restoreFrom } from './restore.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('Usage: npm run restore -- DIR\n');
  process.exit(2);
}
const config = loadConfigFromProcess();
try {
  const report = await restoreFrom(config, resolve(dir));
  process.stdout.write(
    `Restored ${report.files} files (${(report.bytes / 1e6).toFixed(1)} MB), every checksum verified, into ` +
      `${describeDatabase(config.database)} and ${config.comfy.imageDir}` +
      `${report.jwtSecret ? ', with the JWT secret (sessions stay valid)' : ''}.\n`,
  );
} catch (error) {
  if (!(error instanceof RestoreRefused)) throw error;
  process.stderr.write('Restore refused, nothing was written:\n');
  for (const problem of error.problems) process.stderr.write(`  ${problem}\n`);
  process.exit(1);
}
