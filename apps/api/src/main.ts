import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfigFromProcess } from './config/load-config-from-process.js';
import { createApp } from './create-app.js';

const config = loadConfigFromProcess();
const app = await createApp(config);
app.enableShutdownHooks();
await app.listen(config.port);
new Logger('Bootstrap').log(`Atelier listening on http://localhost:${config.port}`);
