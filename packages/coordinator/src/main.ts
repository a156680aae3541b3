// `pnpm start:coordinator`: the coordinator process, configured by environment (docs/RUNNING.md).
import { Coordinator } from './coordinator';
import { coordinatorOptionsFromEnv } from './config/coordinator-options';
import { ConfigError } from '@metatrain/core';

async function main(): Promise<number> {
  const coordinator = await Coordinator.create(coordinatorOptionsFromEnv(process.env));
  process.stderr.write(`coordinator ready: grpc ${coordinator.grpcAddress} http ${coordinator.httpAddress}\n`);
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`coordinator: ${signal}; checkpointing running jobs and stopping\n`);
      coordinator.close().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`coordinator: ${err instanceof Error ? err.message : String(err)}\n`);
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
      process.stderr.write(`coordinator: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`coordinator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
