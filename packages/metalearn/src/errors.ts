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
