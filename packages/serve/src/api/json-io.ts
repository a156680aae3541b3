import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ServeError } from '../errors';

/** Ends `response` with `status` and `body` as JSON. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** An error answer: `{"error": message}` with the error's status and headers. */
export function sendError(response: ServerResponse, error: ServeError): void {
  sendJson(response, error.status, { error: error.message }, error.headers);
}

/**
 * The request body parsed as JSON, at most `maxBytes` long, whatever its content type says
 * (`curl -d` sends form-urlencoded unless told otherwise).
 * @throws ServeError 413 for a larger body (the connection is closed after the answer), 400
 *   for text that is not JSON
 */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new ServeError(413, `body: larger than ${maxBytes} bytes (SERVE_MAX_BODY_BYTES)`, { connection: 'close' });
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ServeError(400, 'body: empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ServeError(400, `body: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}
