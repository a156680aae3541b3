import { CheckpointError, ConfigError, DecodeError, SpecError, SpecErrors } from '@metatrain/core';
import { DatasetError } from '@metatrain/datasets';

/** Exit codes (kubectl-like): 0 success, 1 failure, 2 usage or validation error. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A wrong command line: unknown flag, missing argument. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose arguments were wrong; the message points to its help. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** An expected failure with a one-line explanation and no stack trace. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** Maps an error to what the user sees and the exit code; unexpected errors keep their stack. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof UsageError) {
    const help = err.command === undefined ? 'metatrain help' : `metatrain ${err.command} --help`;
    return { message: `${err.message} (see '${help}')`, exitCode: EXIT_USAGE };
  }
  if (err instanceof CliFailure) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof SpecErrors) return { message: `invalid spec:\n${err.errors.map((e) => `  ${e.message}`).join('\n')}`, exitCode: EXIT_USAGE };
  if (err instanceof SpecError) return { message: `invalid spec: ${err.message}`, exitCode: EXIT_USAGE };
  if (err instanceof DecodeError || err instanceof CheckpointError || err instanceof DatasetError) return { message: err.message, exitCode: EXIT_FAILURE };
  if (err instanceof ConfigError) return { message: err.message, exitCode: EXIT_USAGE };
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { message: `internal error (please report it): ${stack}`, exitCode: EXIT_FAILURE };
}
