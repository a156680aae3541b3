import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with mistakes reported as UsageError (exit code 2). */
export function parseFlags<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** A positive integer flag value, or a UsageError naming the flag. */
export function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}
