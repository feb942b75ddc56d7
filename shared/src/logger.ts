/**
 * The one logger factory of the trainer CLI and the service: pino, pretty-printed (pino-pretty,
 * colours, local time) when the output is a terminal, JSON lines otherwise (files, pipes,
 * containers, log collectors).
 */
import { isatty } from 'node:tty';
import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export interface LogOutput {
  /** 1 (stdout, the service) or 2 (stderr, CLI commands whose stdout is their result). */
  fd?: 1 | 2;
  /** Pretty-print instead of JSON (default: when `fd` is a terminal). */
  pretty?: boolean;
}

/** pino on `fd`: pretty on a terminal, JSON otherwise. */
export function createLogger(options: LoggerOptions, output: LogOutput = {}): Logger {
  const fd = output.fd ?? 1;
  if (output.pretty ?? isatty(fd)) {
    return pino(options, pretty({ destination: fd, sync: true, colorize: isatty(fd), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(options, pino.destination({ dest: fd, sync: true }));
}
