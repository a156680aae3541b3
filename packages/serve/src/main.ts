// The serve process of the container image: `tsx packages/serve/src/main.ts [source...]`, the
// exports to serve as arguments or in SERVE_MODELS (whitespace- or comma-separated), the rest
// configured by environment (docs/RUNNING.md). `metatrain serve` is the same with flags.
import { ConfigError, type Log, logFormatFromEnv, processLog } from '@metatrain/core';
import { ExportSourceError } from './models/export-source';
import { runServe } from './run-serve';
import { serveOptionsFromEnv } from './serve-options';

/** Text until LOG_FORMAT is read: a bad LOG_FORMAT is itself reported in text. */
let log: Log = processLog({ format: 'text', component: 'serve' });

async function main(): Promise<number> {
  log = processLog({ format: logFormatFromEnv(process.env), component: 'serve' });
  const options = serveOptionsFromEnv(process.env);
  const sources = process.argv.slice(2).length > 0 ? process.argv.slice(2) : (process.env.SERVE_MODELS ?? '').split(/[\s,]+/).filter((s) => s !== '');
  if (sources.length === 0) throw new ConfigError('SERVE_MODELS', 'names no export; set it (or pass the exports as arguments): a directory, or s3://bucket/jobs/<jobId>');
  return runServe(sources, options, log);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof ExportSourceError) {
      log(`serve: ${err instanceof ConfigError ? 'configuration error: ' : ''}${err.message}`, { level: 'error' });
      process.exit(2);
    }
    log(`serve: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, { level: 'error' });
    process.exit(1);
  },
);
