import { ExportSourceError, runServe, type ServeOptions, serveOptionsFromEnv } from '@metatrain/serve';
import { CliFailure, EXIT_USAGE, UsageError } from '../cli-errors';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags, positiveInt } from '../parse-flags';

function nonNegativeInt(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a non-negative integer, got '${value}'`);
  return Number(value);
}

/**
 * `metatrain serve <source>...`: the HTTP API over exported meta-models (@metatrain/serve)
 * until SIGINT or SIGTERM. Flags override the SERVE_* environment.
 */
export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.serve.flags);
  if (positionals.length === 0) throw new UsageError(usageLine('serve'));
  const options: ServeOptions = {
    ...serveOptionsFromEnv(process.env),
    ...(values.port === undefined ? {} : { port: nonNegativeInt('port', values.port) }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.threads === undefined ? {} : { threads: positiveInt('threads', values.threads, 1) }),
    ...(values['batch-window-ms'] === undefined ? {} : { batchWindowMs: nonNegativeInt('batch-window-ms', values['batch-window-ms']) }),
    ...(values['no-batching'] === true ? { batching: false } : {}),
  };
  try {
    return await runServe(positionals, options, (line) => process.stderr.write(`${line}\n`));
  } catch (err) {
    throw err instanceof ExportSourceError ? new CliFailure(err.message, EXIT_USAGE) : err;
  }
}
