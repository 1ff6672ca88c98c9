import { Logger } from '@nestjs/common';
import { AbstractLogger, type LogLevel, type LogMessage } from 'typeorm';

/** Sends TypeORM's messages to the application logger (pino) instead of the console. */
export class TypeOrmLogger extends AbstractLogger {
  private readonly logger = new Logger('TypeORM');

  protected writeLog(
    level: LogLevel,
    logMessage: LogMessage | string | number | (LogMessage | string | number)[],
  ) {
    for (const message of this.prepareLogMessages(logMessage, { highlightSql: false })) {
      const text = String(message.message);
      if (level === 'error' || message.type === 'query-error') this.logger.error(text);
      else if (level === 'warn' || message.type === 'query-slow') this.logger.warn(text);
      else if (level === 'query') this.logger.debug(text);
      else this.logger.log(text);
    }
  }
}
