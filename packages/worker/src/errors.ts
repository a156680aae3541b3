// The worker's own failures. Each says what went wrong in one line, so main.ts can print it
// without a stack trace.

/**
 * The coordinator refused this worker for a reason waiting will not fix (a wrong token, a
 * worker id it does not accept, a server that is not a metatrain coordinator).
 */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
}

/** The coordinator answered REJECTED: the report was well-formed but unusable. */
export class ShardRejectedError extends Error {
  override readonly name = 'ShardRejectedError';
  constructor(readonly reason: string) {
    super(`report rejected by the coordinator: ${reason}`);
  }
}

/**
 * The coordinator refuses this worker's reports (PERMISSION_DENIED: it is quarantined). The
 * shard in hand goes back to the queue untouched, for another worker.
 */
export class WorkerRefusedError extends Error {
  override readonly name = 'WorkerRefusedError';
}

/**
 * The shard's parameter version is not published yet (ABORTED from GetParameters): the shard
 * was enqueued while the round before it runs. It goes back to the queue untouched, counting
 * no failed attempt, and the worker takes the next.
 */
export class ShardNotReadyError extends Error {
  override readonly name = 'ShardNotReadyError';
}

/** The compute thread could not start, died, or failed a shard; the message says which. */
export class ComputeThreadError extends Error {
  override readonly name = 'ComputeThreadError';
}

/** Work stopped because the worker is shutting down (or create() was aborted). */
export class WorkerClosedError extends Error {
  override readonly name = 'WorkerClosedError';
}
