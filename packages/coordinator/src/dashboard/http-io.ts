import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

// Small request and response helpers of the dashboard's routes.

/** Nothing the dashboard serves may be cached: it is the state of now, and some of it is guarded. */
const NO_STORE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** Ends `response` with `value` as JSON. */
export function sendJson(response: ServerResponse, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { ...NO_STORE, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/** A browser page may load scripts, styles and data from this origin only, and never be framed. */
const PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Ends `response` with an HTML page. */
export function sendHtml(response: ServerResponse, status: number, html: string, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, {
    ...NO_STORE,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': PAGE_POLICY,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  response.end(html);
}

/** 303 See Other to `location` (after a form POST, the browser then GETs it). */
export function redirect(response: ServerResponse, location: string, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(303, { ...NO_STORE, location, 'content-length': 0, ...headers });
  response.end();
}

/** A request body that is too large or not a form. */
export class BodyError extends Error {
  constructor(
    readonly status: 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads an `application/x-www-form-urlencoded` body of at most `limit` bytes (a login form,
 * a logout button); JSON is not taken, so no other kind of body is parsed anywhere.
 * @throws {BodyError}
 */
export async function readForm(request: IncomingMessage, limit = 4096): Promise<URLSearchParams> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' && type !== '') {
    request.resume();
    throw new BodyError(415, `expected a form (application/x-www-form-urlencoded), got ${type}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      request.resume();
      throw new BodyError(413, `the body is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The value of cookie `name` in the request, if sent. */
export function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
