import type { Logger } from 'pino';
import { createLogger } from '@amft/shared/logger';

/** A command's logger on stderr (stdout carries its result): pretty on a terminal, JSON otherwise. */
export function cliLogger(name: string): Logger {
  return createLogger({ name, level: process.env.LOG_LEVEL ?? 'info' }, { fd: 2 });
}
