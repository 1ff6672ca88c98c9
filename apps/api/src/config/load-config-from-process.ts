import type { AppConfig } from './app-config.js';
import { ConfigError, loadConfig } from './load-config.js';

/** The one place that reads process.env. A bad value ends the process before Nest starts. */
export function loadConfigFromProcess(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`Invalid configuration: ${problem}\n`);
    process.exit(1);
  }
}
