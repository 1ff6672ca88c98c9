/** `npm run backup -- DIR`: an online backup of the configured data folder into DIR (see backup.ts). */
import { resolve } from 'node:path';
import { describeDatabase } from '../config/database-config.js';
import { loadConfigFromProcess } from '../config/load-config-from-process.js';
import { backupTo } from './backup.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('Usage: npm run backup -- DIR\n');
  process.exit(2);
}
const config = loadConfigFromProcess();
const target = resolve(dir);
const report = await backupTo(config, target).catch((error: unknown) => {
  process.stderr.write(`Backup failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
process.stdout.write(
  `Backed up ${describeDatabase(config.database)} and ${config.comfy.imageDir} to ${target}: ${report.files} files ` +
    `(${report.copied} copied, ${(report.bytesCopied / 1e6).toFixed(1)} MB; ${report.unchanged} unchanged; ` +
    `${report.removed} removed), manifest.json with their SHA-256. ` +
    (report.jwtSecret === 'copied'
      ? 'The JWT secret is included (data/jwt-secret, mode 0600): keep the backup private.\n'
      : 'ATELIER_JWT_SECRET comes from the environment: it is not in the backup.\n'),
);
