/** The innermost cause of a failed fetch, as one short phrase (`connect ECONNREFUSED 127.0.0.1:9`). */
export function failureCause(err: unknown): string {
  let cause: unknown = err;
  // undici wraps the socket's error: TypeError('fetch failed', { cause: Error('connect ECONNREFUSED …') }).
  while (cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  if (cause instanceof Error) return cause.message || cause.name;
  return String(cause);
}

/** `1.3 MB`, `812 kB`, `96 B`: sizes in messages and progress. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

/** `0.3 s`, `30 s`, `30 min`: timeouts in messages. */
export function formatSeconds(ms: number): string {
  return ms >= 120_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
