import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Ends `response` with `status` and a plain-text body. Nothing here is cacheable: probes and
 * scrapes must see the state of now.
 */
export function sendText(response: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}
