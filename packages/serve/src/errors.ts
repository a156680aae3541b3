/**
 * A request the service answers with an HTTP status other than 200: the status, a message
 * naming the field or the state, and the headers that go with it (Retry-After).
 */
export class ServeError extends Error {
  override readonly name = 'ServeError';
  constructor(
    readonly status: 400 | 404 | 413 | 503 | 504,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 400: the body, a field or an example does not fit; the message names it. */
export const badRequest = (message: string) => new ServeError(400, message);

/** The engine's queue is full: the caller answers 503 with Retry-After. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

/** A request waited past its deadline before its computation started, or while it ran. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** A compute thread failed a computation or died; the request is answered 500 and the thread replaced. */
export class ComputeError extends Error {
  override readonly name = 'ComputeError';
}

/** The engine was closed. */
export class EngineClosedError extends Error {
  override readonly name = 'EngineClosedError';
}
