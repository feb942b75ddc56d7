/**
 * Process concerns: configuration (printed once, secrets redacted), the logger, listening, and a
 * graceful close on SIGTERM/SIGINT (stop accepting, finish the requests in flight and the
 * queued batches, release the sessions; exit 1 if that takes longer than the shutdown timeout).
 */
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
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
  const logger = pino({
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
  logger.info({ url: server.url }, 'listening');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'closing: finishing requests in flight');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'close timed out; exiting');
      logger.flush();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    server
      .close()
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
