// `pnpm start:coordinator`: the coordinator process, configured by environment (docs/RUNNING.md).
import { Coordinator } from './coordinator';
import { coordinatorOptionsFromEnv } from './config/coordinator-options';
import { ConfigError, type Log, logFormatFromEnv, processLog } from '@metatrain/core';

/** Text until LOG_FORMAT is read: a bad LOG_FORMAT is itself reported in text. */
let log: Log = processLog({ format: 'text', component: 'coordinator' });

async function main(): Promise<number> {
  log = processLog({ format: logFormatFromEnv(process.env), component: 'coordinator' });
  const coordinator = await Coordinator.create({ ...coordinatorOptionsFromEnv(process.env), log });
  log(`coordinator ready: grpc ${coordinator.grpcAddress} http ${coordinator.httpAddress}`);
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log(`coordinator: ${signal}; checkpointing running jobs and stopping`);
      coordinator.close().then(
        () => resolve(0),
        (err: unknown) => {
          log(`coordinator: ${err instanceof Error ? err.message : String(err)}`, { level: 'error' });
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return stopped;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      log(`coordinator: configuration error: ${err.message}`, { level: 'error' });
      process.exit(2);
    }
    log(`coordinator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, { level: 'error' });
    process.exit(1);
  },
);
