import { ConfigError, loadDotEnvFile } from './config';
import { flushLogs } from './logger';
import { createServerLogger, loadServerConfig, startServer } from './server';

async function main(): Promise<void> {
  loadDotEnvFile();
  let config;
  try {
    config = loadServerConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createServerLogger(config.logLevel);
  const server = await startServer(config, logger);
  flushLogs(logger);

  const shutdown = (signal: string) => {
    logger.info({ signal, timeoutMs: config.http.shutdownTimeoutMs }, 'shutting down: finishing requests in flight');
    // In-flight requests are cut at the timeout; this is the backstop should closing hang past it.
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.http.shutdownTimeoutMs + 5_000).unref();
    server.close().then(
      () => {
        logger.info('stopped');
        logger.flush(() => process.exit(0));
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
