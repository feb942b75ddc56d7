/**
 * Process concerns: configuration (printed once, secrets redacted), the logger, listening, and a
 * graceful close on SIGTERM/SIGINT: /readyz says 503 from that moment, the listener stops
 * accepting, the requests in flight and the queued batches finish, the sessions are released,
 * and the process exits 0. If that takes longer than --shutdown-timeout-ms it is cut off: exit 1,
 * or, while images are still being decoded, SIGKILL of itself (exit status 137), because a
 * libvips decode cannot be interrupted and a normal exit waits for it. The cut comes a teardown
 * allowance before the limit (a fifth of it, at most 250 ms), so that the process is gone by the
 * limit and not just starting to go.
 */
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import { createLogger } from '@amft/shared/logger';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, redactConfig, usage, type Config } from './config.js';

export interface RunningServer {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  close: () => Promise<void>;
}

/** Builds the app and listens on config.host:config.port (port 0 picks a free one). */
export async function startServer(config: Config, logger?: Logger): Promise<RunningServer> {
  const app = await buildApp(config, { logger });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}

/** Writes out what the logger holds, now, as far as it can (before an exit that runs no exit handlers). */
function flushSync(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, { flushSync?: () => void } | undefined>)[pino.symbols.streamSym];
  try {
    stream?.flushSync?.();
  } catch {
    // a write in progress: what it holds may be lost, the last word below is not
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return;
  }
  let config: Config;
  try {
    config = loadConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`fer-service: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  // Secrets never reach the log: the configuration is printed redacted, and these paths are
  // censored in any object logged.
  // JSON lines, pretty-printed when stdout is a terminal.
  const logger = createLogger({
    level: config.logLevel,
    base: { service: 'fer' },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'config.apiKeys', 'apiKeys'], censor: '[redacted]' },
  });
  logger.info({ config: redactConfig(config) }, 'configuration');

  let server: RunningServer;
  try {
    server = await startServer(config, logger);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    logger.fatal({ err }, 'cannot start');
    console.error(`fer-service: cannot start: ${msg}`);
    logger.flush();
    process.exit(1);
  }
  logger.info({ url: server.url, docs: `${server.url}/docs`, page: `${server.url}/` }, 'listening');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.app.drain.begin();
    logger.info({ signal }, 'closing: finishing requests in flight');
    const timer = setTimeout(() => {
      const decoding = server.app.fer.describe().imagesInFlight;
      flushSync(logger);
      // The last word goes out synchronously: a SIGKILL follows.
      pino({ level: config.logLevel, base: { service: 'fer' } }, pino.destination({ fd: 1, sync: true })).error(
        { timeoutMs: config.shutdownTimeoutMs, imagesInFlight: decoding },
        'close timed out; exiting',
      );
      // process.exit waits for native work in libuv's pool (a decode in progress): not at the limit.
      if (decoding > 0) process.kill(process.pid, 'SIGKILL');
      process.exit(1);
    }, cutOffAt(config.shutdownTimeoutMs));
    timer.unref();
    new Promise((resolve) => setTimeout(resolve, config.drainDelayMs))
      .then(() => server.close())
      .then(() => {
        logger.info('closed');
        logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'error while closing');
        logger.flush();
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    logger.flush();
    process.exit(1);
  });
}

/** When a drain that has not finished is cut off: the limit less a teardown allowance. */
export function cutOffAt(limitMs: number): number {
  return limitMs - Math.min(250, Math.floor(limitMs / 5));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
