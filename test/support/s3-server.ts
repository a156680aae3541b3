import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A real S3 API endpoint for integration tests. Close it (or `await using` it) when done. */
export interface S3TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:port`. */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Where the endpoint comes from: a MinIO container, the S3_* environment, or s3rver. */
  readonly kind: 'testcontainers' | 'environment' | 's3rver';
  /**
   * Makes the endpoint refuse connections for `ms`, then serves again on the same port.
   * Undefined for an https endpoint from the environment (a TCP proxy would break its TLS name).
   */
  readonly outage: ((ms: number) => Promise<void>) | undefined;
  close(): Promise<void>;
}

/** Credentials the endpoint should accept instead of its defaults (MinIO's, s3rver's S3RVER). */
export interface S3Credentials {
  accessKey: string;
  secretKey: string;
}

const MINIO_IMAGE = 'minio/minio:RELEASE.2024-08-03T04-33-23Z';
const S3RVER_KEY = 'S3RVER';
const require = createRequire(import.meta.url);

/**
 * Provides an S3 endpoint, first that works of: (a) MinIO in a container when a container
 * runtime answers within a few seconds, (b) S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY from the
 * environment, (c) s3rver (an S3 API server from npm) in a child process on a free port of
 * 127.0.0.1, storing in a temporary directory. Use a fresh bucket per test (uniqueBucket()).
 * With `credentials`, (a) and (c) accept those keys only; (b) has the environment's.
 */
export async function startS3Server(credentials?: S3Credentials): Promise<S3TestServer> {
  const container = await startMinioContainer(credentials);
  if (container) return withProxy('testcontainers', container);
  const { S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY } = process.env;
  if (S3_ENDPOINT && S3_ACCESS_KEY && S3_SECRET_KEY) {
    const target = { endpoint: S3_ENDPOINT, accessKey: S3_ACCESS_KEY, secretKey: S3_SECRET_KEY, stop: async () => undefined };
    if (new URL(S3_ENDPOINT).protocol === 'https:') {
      return { ...target, kind: 'environment', outage: undefined, close: target.stop, [Symbol.asyncDispose]: target.stop };
    }
    return withProxy('environment', target);
  }
  return startS3rver(credentials ?? { accessKey: S3RVER_KEY, secretKey: S3RVER_KEY });
}

let bucketCounter = 0;

/** A bucket name no other test (or earlier run against the same server) uses. */
export function uniqueBucket(label = 'test'): string {
  const safe = label.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 20);
  return `mt-${safe}-${process.pid}-${Date.now().toString(36)}-${bucketCounter++}`.slice(0, 63).replace(/-+$/, '');
}

interface Endpoint {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

async function startMinioContainer(credentials: S3Credentials | undefined): Promise<Endpoint | undefined> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  // With no runtime this fails at once; a dead daemon behind a live socket may hang, so cap it.
  const timeout = sleep(5_000, false, { ref: false });
  const found = await Promise.race([getContainerRuntimeClient().then(() => true, () => false), timeout]);
  if (!found) return undefined;
  const { MinioContainer } = await import('@testcontainers/minio');
  let container;
  try {
    const minio = new MinioContainer(MINIO_IMAGE);
    if (credentials) minio.withUsername(credentials.accessKey).withPassword(credentials.secretKey);
    container = await minio.start();
  } catch (err) {
    // E.g. a runtime without access to the image registry: say so, and use the next source.
    process.stderr.write(`s3-server: MinIO container did not start (${(err as Error).message}); falling back\n`);
    return undefined;
  }
  return {
    endpoint: container.getConnectionUrl(),
    accessKey: container.getUsername(),
    secretKey: container.getPassword(),
    stop: async () => void (await container.stop()),
  };
}

/**
 * s3rver 3.7 encrypts list continuation tokens with DES, which OpenSSL 3 (Node ≥ 17) only
 * offers through its legacy provider: hence a child process with --openssl-legacy-provider.
 * The child also makes an outage real: it is killed and started again on the same port.
 */
async function startS3rver(credentials: S3Credentials): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'metatrain-s3rver-'));
  let child: ChildProcess | undefined;
  let port = 0;
  const launch = async () => ({ child, port } = await spawnS3rver(directory, port, credentials));
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  try {
    await launch();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await kill();
      await rm(directory, { recursive: true, force: true });
    })());
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ...credentials,
    kind: 's3rver',
    async outage(ms: number) {
      await kill();
      await sleep(ms);
      await launch();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Runs in the child: s3rver plus two middlewares that make it answer minio-js as S3 does.
 * s3rver checks only the access key of a SigV4 request, not its signature, so a wrong secret
 * key would pass unnoticed: verifySignature checks it (taking the payload hash as sent).
 */
const CHILD_SCRIPT = String.raw`
const { createHash, createHmac } = require('node:crypto');
const { join, dirname } = require('node:path');
const [s3rverPath, port, directory, accessKey, secretKey] = process.argv.slice(1);
process.on('disconnect', () => process.exit(0)); // never outlive the test process
const S3rver = require(s3rverPath);
const S3Error = require(join(dirname(s3rverPath), 'models/error'));
// s3rver's one account answers to access key S3RVER; give it the test's key instead.
const { DUMMY_ACCOUNT } = require(join(dirname(s3rverPath), 'models/account'));
if (accessKey !== 'S3RVER') {
  DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);
}
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
const AUTH = /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
async function verifySignature(ctx, next) {
  const auth = AUTH.exec(ctx.get('authorization'));
  if (auth) {
    const [, date, region, service, signed, signature] = auth;
    const [path, query = ''] = ctx.req.url.split('?');
    const canonicalQuery = query ? query.split('&').sort().map((p) => (p.includes('=') ? p : p + '=')).join('&') : '';
    const headers = signed.split(';').map((h) => h + ':' + String(ctx.req.headers[h]).replace(/ +/g, ' ') + '\n').join('');
    const request = [ctx.method, path, canonicalQuery, headers, signed, ctx.get('x-amz-content-sha256')].join('\n');
    const scope = [date, region, service, 'aws4_request'].join('/');
    const toSign = ['AWS4-HMAC-SHA256', ctx.get('x-amz-date'), scope, createHash('sha256').update(request).digest('hex')].join('\n');
    const key = [date, region, service, 'aws4_request'].reduce(hmac, 'AWS4' + secretKey);
    if (hmac(key, toSign).toString('hex') !== signature) {
      throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
  }
  await next();
}
// s3rver ignores encoding-type=url, which minio-js always asks for and then decodes: without
// this, listing a key containing '%' fails and '+' turns into a space.
const XML_ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#x60;': '\x60' };
async function urlEncodeListedKeys(ctx, next) {
  await next();
  if (ctx.query['encoding-type'] !== 'url' || typeof ctx.body !== 'string') return;
  ctx.body = ctx.body.replace(/<(Key|Prefix)>([^<]*)<\/\1>/g, (_, tag, text) =>
    '<' + tag + '>' + encodeURIComponent(text.replace(/&[#a-z0-9]+;/g, (e) => XML_ENTITIES[e] ?? e)) + '</' + tag + '>');
}
const server = new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true, vhostBuckets: false });
server.middleware.unshift(urlEncodeListedKeys, verifySignature);
server.run().then((address) => process.send({ port: address.port }), (err) => { console.error(err); process.exit(1); });
`;

async function spawnS3rver(directory: string, port: number, credentials: S3Credentials): Promise<{ child: ChildProcess; port: number }> {
  const args = ['--openssl-legacy-provider', '-e', CHILD_SCRIPT, require.resolve('s3rver'), String(port), directory, credentials.accessKey, credentials.secretKey];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening:\n${stderr}`)));
    child.once('error', reject);
  });
  // The IPC channel must not keep the test process alive on its own.
  child.channel?.unref();
  child.unref();
  return { child, port: listening };
}

/**
 * Puts a TCP proxy on 127.0.0.1 in front of an http server we cannot stop ourselves, so that
 * an outage can be staged: the proxy stops listening and drops its connections for a while.
 * (SigV4 signs the Host header as sent, so signatures stay valid through the proxy.)
 */
async function withProxy(kind: 'testcontainers' | 'environment', target: Endpoint): Promise<S3TestServer> {
  const upstream = new URL(target.endpoint);
  const upstreamPort = Number(upstream.port || 80);
  const sockets = new Set<Socket>();
  const onConnection = (client: Socket) => {
    const server = connect(upstreamPort, upstream.hostname.replace(/^\[(.*)\]$/, '$1'));
    for (const s of [client, server]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    client.pipe(server).pipe(client);
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
  };
  let proxy: Server = createServer(onConnection);
  const listen = (port: number) => new Promise<void>((resolve, reject) => proxy.once('error', reject).listen(port, '127.0.0.1', resolve));
  const stopProxy = () => {
    const closed = new Promise((resolve) => proxy.close(resolve));
    for (const s of sockets) s.destroy();
    return closed;
  };
  await listen(0);
  const { port } = proxy.address() as { port: number };
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= stopProxy().then(() => target.stop()));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKey: target.accessKey,
    secretKey: target.secretKey,
    kind,
    async outage(ms: number) {
      await stopProxy();
      await sleep(ms);
      proxy = createServer(onConnection);
      await listen(port);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
