import { Logger } from '@nestjs/common';
import { AbstractLogger, type LogLevel, type LogMessage, type QueryRunner } from 'typeorm';

/**
 * Sends TypeORM's messages to the application logger (pino) instead of the console, never with a
 * query's parameters. (A QueryFailedError that reaches a logger as `err` loses them in the pino
 * `err` serializer: http/log-scrub.ts.)
 */
export class TypeOrmLogger extends AbstractLogger {
  private readonly logger = new Logger('TypeORM');

  /**
   * TypeORM's default puts the query's parameters in the message, and those can be password
   * hashes or tokens. Failed queries are usually handled (a unique constraint becomes a 409), so
   * they are logged as warnings, with the SQL but never the parameters.
   */
  override logQueryError(
    error: string | Error,
    query: string,
    _parameters?: unknown[],
    _runner?: QueryRunner,
  ) {
    const reason = error instanceof Error ? error.message : error;
    this.logger.warn(`query failed: ${reason} -- ${query}`);
  }

  protected writeLog(
    level: LogLevel,
    logMessage: LogMessage | string | number | (LogMessage | string | number)[],
  ) {
    // appendParameterAsComment would add "-- PARAMETERS: […]" to queries and slow queries (debug logs).
    const options = { highlightSql: false, appendParameterAsComment: false };
    for (const message of this.prepareLogMessages(logMessage, options)) {
      const text = String(message.message);
      if (level === 'error' || message.type === 'query-error') this.logger.error(text);
      else if (level === 'warn' || message.type === 'query-slow') this.logger.warn(text);
      else if (level === 'query') this.logger.debug(text);
      else this.logger.log(text);
    }
  }
}
