/**
 * A user mistake in a job spec or its data: names the field and the reason.
 * Everything at the edge (CLI, gRPC) turns this into exit code 2 / INVALID_ARGUMENT.
 */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(field ? `${field}: ${reason}` : reason);
  }
}

/** Several spec problems found at once; the message lists each on its own line. */
export class SpecErrors extends Error {
  override readonly name = 'SpecErrors';
  constructor(readonly errors: SpecError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}

/** Bytes that do not decode: wrong length, bad checksum, unknown layout. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

/** A checkpoint that is missing, incomplete or does not match its manifest. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/**
 * Data given to adapt a model (support or query examples, adaptation options) that do not
 * fit it: `field` names the part (`support.inputs`, `query.targets`, `steps`), the message
 * says why. The edge turns this into exit code 2 / INVALID_ARGUMENT.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/**
 * A bad configuration value (an environment variable or an option): `setting` names it (the
 * variable, when read from the environment), the message says why, never echoing a secret.
 * Entry points print it on one line and exit 2.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The variable or option at fault, e.g. `STORAGE_URL`. */
    readonly setting: string,
    readonly reason: string,
  ) {
    super(`${setting}: ${reason}`);
  }
}
