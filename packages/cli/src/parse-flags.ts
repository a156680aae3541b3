import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs, with mistakes reported as UsageError (exit code 2). `options` are the
 * flags the command's help lists (`COMMAND_HELP.<command>.flags`).
 */
export function parseFlags<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(flagMistake(err));
  }
}

/** parseArgs's message, shortened to the mistake: its advice on '--' rarely applies to our flags. */
function flagMistake(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  return unknown ? `unknown flag '${unknown[1] ?? ''}'` : message;
}

/** A positive integer flag value, or a UsageError naming the flag. */
export function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}
