import { ServeServer } from './serve-server';
import type { ServeOptions } from './serve-options';

/**
 * Serves `sources` until SIGTERM or SIGINT, then stops listening, lets requests in flight
 * finish and ends the threads. `metatrain serve` and the image's entry point (main.ts) both
 * run it. Resolves with the exit code.
 */
export async function runServe(sources: string[], options: ServeOptions, log: (line: string) => void): Promise<number> {
  const server = await ServeServer.create(sources, { log, ...options });
  for (const model of server.models) log(`serve: model ${model.name} (${model.loaded.meta.algorithm}, ${model.loaded.meta.task.family}) from ${model.location}`);
  log(`serve: listening on http://${server.address} (compute threads on ${server.backend}); POST /v1/models/{name}:predict`);
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log(`serve: ${signal}; finishing requests in flight and stopping`);
      server.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
