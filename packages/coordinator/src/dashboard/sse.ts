import type { IncomingMessage, ServerResponse } from 'node:http';

/** How often an idle stream sends a comment, so that proxies and browsers keep it open. */
const KEEPALIVE_MS = 15_000;

/**
 * One Server-Sent Events response (text/event-stream). Ends when the client goes away or on
 * {@link close}; `onClose` callbacks run once either way, which is where subscriptions stop.
 */
export class SseStream {
  private closed = false;
  private readonly closers: Array<() => void> = [];
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    request: IncomingMessage,
    private readonly response: ServerResponse,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    // A browser that lost the stream reconnects after this long and is sent the whole history again.
    response.write('retry: 2000\n\n');
    this.keepalive = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.keepalive.unref();
    request.on('close', () => this.close());
    response.on('error', () => this.close());
  }

  /** Runs `closer` when the stream ends (at once if it already has). */
  onClose(closer: () => void): void {
    if (this.closed) closer();
    else this.closers.push(closer);
  }

  /** Sends one message of type `event` carrying `data` as JSON. */
  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    for (const closer of this.closers.splice(0)) closer();
    this.response.end();
  }

  private write(text: string): void {
    if (!this.closed) this.response.write(text);
  }
}
