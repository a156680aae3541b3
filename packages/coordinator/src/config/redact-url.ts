/**
 * A URL without its user and password, for logs: `redis://:secret@host:6379` becomes
 * `redis://***@host:6379`. Greedy up to the last '@', since a password written without
 * percent-encoding may itself hold '@' or '/'.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, '$1***@');
}
