import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { describeDatabase, withoutPassword } from './config/database-config.js';
import { loadConfigFromProcess } from './config/load-config-from-process.js';
import { clusterBootFailure } from './cluster/postgres-single-lease.js';
import { createApp } from './create-app.js';
import { databaseBootFailure } from './database/boot-failure.js';
import { redisBootFailure } from './redis/redis-connections.js';

const config = loadConfigFromProcess();
const app = await createApp(config).catch((error: unknown) => {
  // Postgres unreachable, refusing us, or a failed migration; Redis unreachable or evicting keys; another
  // Atelier on the database without Redis: one line naming the server, not a stack.
  const failure =
    databaseBootFailure(error, config.database) ?? redisBootFailure(error) ?? clusterBootFailure(error);
  if (failure === null) throw error;
  process.stderr.write(`Boot failed: ${failure}\n`);
  process.exit(1);
});
app.enableShutdownHooks();
await app.listen(config.port);
// Which replica, on which database and Redis: what an operator of several replicas looks for first.
const storage = config.redis
  ? `${describeDatabase(config.database)}, Redis ${withoutPassword(config.redis.url)}`
  : describeDatabase(config.database);
new Logger('Bootstrap').log(
  `Atelier listening on http://localhost:${config.port} (replica ${config.replicaId}, database ${storage})`,
);
