import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the server answers on one path. */
export type Answer =
  /**
   * these bytes, whole (a file's, or other bytes for a wrong checksum), in 64 KiB chunks
   * `chunkDelayMs` apart; with `together`, no answer starts before that many requests came
   * (so that concurrent downloads really overlap)
   */
  | { bytes: Uint8Array; chunkDelayMs?: number; together?: number }
  /** Content-Length of all `bytes`, then only the first `send`, then the socket ends */
  | { truncate: Uint8Array; send: number }
  /** Content-Length of all `bytes`, the first `send`, then nothing more, ever */
  | { stall: Uint8Array; send: number }
  /** an HTTP error */
  | { status: number };

/** A local HTTP server standing in for a dataset's host; `close()` is idempotent and drops stalled sockets. */
export interface DatasetServer {
  /** `http://127.0.0.1:<port>`: a mirror base URL (`<url>/<dataset>/<file>`). */
  readonly url: string;
  /** The paths asked for, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** The bytes of a file, for an {@link Answer}. */
export const bytesOf = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

const CHUNK = 64 * 1024;

/**
 * Serves `answers` (keyed by URL path, e.g. `/omniglot-small1/images_background_small1.zip`)
 * on 127.0.0.1 at a free port; anything else is 404. For tests of the download path against
 * a real socket: a good file, other bytes, a truncated transfer, a stall.
 */
export async function startDatasetServer(answers: Record<string, Answer>): Promise<DatasetServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push(path);
    const what = answers[path];
    const wanted = what && 'together' in what ? (what.together ?? 1) : 1;
    void barrier(path, wanted).then(() => answer(what, res));
  });
  const waiting = new Map<string, { count: number; open: Promise<void>; release: () => void }>();
  const barrier = (path: string, wanted: number): Promise<void> => {
    let gate = waiting.get(path);
    if (!gate) {
      let release = () => undefined as void;
      const open = new Promise<void>((resolve) => (release = resolve));
      gate = { count: 0, open, release };
      waiting.set(path, gate);
    }
    if (++gate.count >= wanted) gate.release();
    return gate.open;
  };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      })),
  };
}

async function answer(what: Answer | undefined, res: ServerResponse): Promise<void> {
  if (!what) return void res.writeHead(404).end();
  if ('status' in what) return void res.writeHead(what.status).end();
  if ('bytes' in what) {
    res.writeHead(200, { 'content-length': what.bytes.byteLength, 'content-type': 'application/zip' });
    for (let at = 0; at < what.bytes.byteLength; at += CHUNK) {
      if (!res.write(what.bytes.subarray(at, at + CHUNK))) await new Promise((r) => res.once('drain', r));
      if (what.chunkDelayMs) await new Promise((r) => setTimeout(r, what.chunkDelayMs));
    }
    return void res.end();
  }
  const whole = 'truncate' in what ? what.truncate : what.stall;
  res.writeHead(200, { 'content-length': whole.byteLength, 'content-type': 'application/zip' });
  res.write(whole.subarray(0, what.send));
  // A host that drops the connection mid-transfer; a stalled one just keeps it open.
  if ('truncate' in what) res.socket?.end();
}

/** A port on 127.0.0.1 that nobody listens on (a server was there a moment ago): "offline". */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
