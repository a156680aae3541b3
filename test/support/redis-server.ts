import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port';

/** What the test needs from the server. */
export interface RedisServerOptions {
  /**
   * A server of our own even when REDIS_URL is set: needed to stop, restart or configure it.
   * @default false
   */
  private?: boolean;
  /** `--appendonly yes`, so that data survives a restart (a private server only). @default false */
  appendOnly?: boolean;
  /** `--requirepass`; the URL then carries it (a private server only). */
  password?: string;
}

/** A Redis server for integration tests. Close it (or `await using` it) when done. */
export interface RedisTestServer extends AsyncDisposable {
  /** `redis://[:password@]127.0.0.1:port`, for ioredis and BullMQ. */
  readonly url: string;
  /** Where the server comes from: REDIS_URL, or a `redis-server` child process of ours. */
  readonly kind: 'environment' | 'redis-server';
  /** Stops a private server gracefully (it writes its AOF first); undefined for REDIS_URL. */
  readonly stop: (() => Promise<void>) | undefined;
  /** Stops (if running) and starts a private server again on the same port and directory. */
  readonly restart: (() => Promise<void>) | undefined;
  close(): Promise<void>;
}

/**
 * Provides a Redis URL: REDIS_URL when set (a shared server: use unique key prefixes and
 * queue names, and never stop it), otherwise — or with `private: true` — a `redis-server` of
 * our own on a free port of 127.0.0.1, in a temporary directory, keeping nothing on disk
 * unless `appendOnly` is set. It uses `noeviction`, as BullMQ requires.
 *
 * No container path (unlike s3-server.ts): the machines this project runs on have
 * `redis-server`, and a child process gives exact stop/restart on the same port, which a
 * container's remapped ports would not.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisTestServer> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv && !options.private && !options.appendOnly && options.password === undefined) {
    const close = async () => undefined;
    return { url: fromEnv, kind: 'environment', stop: undefined, restart: undefined, close, [Symbol.asyncDispose]: close };
  }
  return startPrivateServer(options);
}

let prefixCounter = 0;

/** A key prefix (or queue name) no other test, process or earlier run uses. */
export function uniquePrefix(label = 'test'): string {
  const safe = label.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 24);
  return `mt-${safe}-${process.pid}-${randomUUID().slice(0, 8)}-${prefixCounter++}`;
}

async function startPrivateServer(options: RedisServerOptions): Promise<RedisTestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'metatrain-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  const args = (p: number) => [
    '--port', String(p), '--bind', '127.0.0.1', '--dir', directory, '--save', '',
    '--appendonly', options.appendOnly ? 'yes' : 'no', '--maxmemory-policy', 'noeviction',
    '--logfile', join(directory, 'redis.log'),
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
  ];
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM'); // redis-server shuts down cleanly on SIGTERM, flushing its AOF
    await exited;
  };
  const launch = async (fixedPort: number) => {
    // A port found free may be taken before redis binds it; only the first start may pick again.
    for (let attempt = 0; ; attempt++) {
      const candidate = fixedPort || (await freePort());
      try {
        child = await spawnRedis(args(candidate));
        port = candidate;
        return;
      } catch (err) {
        if (fixedPort || attempt >= 4) throw err;
      }
    }
  };
  try {
    await launch(0);
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await stop();
      await rm(directory, { recursive: true, force: true });
    })());
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    kind: 'redis-server',
    stop,
    async restart() {
      if (closing) throw new Error('redis-server: restart after close');
      await stop();
      await launch(port);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function spawnRedis(args: string[]): Promise<ChildProcess> {
  // Logs go to a file, not a pipe: an open pipe would keep the test process alive.
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const logFile = args[args.indexOf('--logfile') + 1] ?? '';
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      void readFile(logFile, 'utf8')
        .catch(() => '')
        .then((log) => reject(new Error(`redis-server exited (${signal ?? code}) before answering PING:\n${log.slice(-2000)}`)));
    });
  });
  exited.catch(() => undefined); // observed through the race below; avoid an unhandled rejection later
  const port = Number(args[args.indexOf('--port') + 1]);
  try {
    await Promise.race([waitForPing(port, 10_000), exited]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  child.unref(); // the test process must not wait on the server; close() stops it
  return child;
}

/** Resolves once the server answers PING (or NOAUTH, which also means it is serving). */
async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pingOnce(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await sleep(25);
  }
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      // "-LOADING" means the server is still reading its AOF: not ready yet.
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}
