import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

/** Structured JSON logs; every line of a request or workflow carries its id as a field. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): Logger {
  return pino({ name, level: config.LOG_LEVEL, base: { service: name } });
}
