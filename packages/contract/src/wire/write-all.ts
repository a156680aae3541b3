/** The part of a grpc-js call stream (server or client side) that {@link writeAll} uses. */
export interface MessageStream<T> {
  write(message: T): boolean;
  once(event: string, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
}

// Any of these ends a wait for 'drain': the call was cancelled, closed or got its status, and
// 'drain' will never come.
const WAKE_EVENTS = ['drain', 'close', 'error', 'cancelled', 'status'] as const;

/**
 * Writes `messages` in order, honouring backpressure: when the stream's buffer is full it waits
 * for 'drain' instead of queueing the whole payload in memory. Checks `stopped()` before every
 * write, so a cancelled call is not written to.
 *
 * @returns true when every message was written, false when it stopped early.
 */
export async function writeAll<T>(stream: MessageStream<T>, messages: Iterable<T>, stopped: () => boolean): Promise<boolean> {
  for (const message of messages) {
    if (stopped()) return false;
    if (!stream.write(message)) await wake(stream);
  }
  return !stopped();
}

function wake(stream: MessageStream<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of WAKE_EVENTS) stream.removeListener(event, done);
      resolve();
    };
    for (const event of WAKE_EVENTS) stream.once(event, done);
  });
}
