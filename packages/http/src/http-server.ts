import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hasBearerToken } from './bearer-token';
import { healthz, metrics, readyz, type MetricsSource, type ReadinessCheck } from './core-routes';
import { sendText } from './respond';
import type { RouteHandler, RouteOptions } from './route';

/** Options of {@link HttpServer.create}. */
export interface HttpServerOptions {
  /** Interface to listen on, e.g. `0.0.0.0` or `127.0.0.1`. */
  host: string;
  /** Port; 0 picks a free one, see {@link HttpServer.address}. */
  port: number;
  /** Served at `/metrics`. */
  metrics: MetricsSource;
  /** Asked at `/readyz`. */
  readiness: ReadinessCheck;
  /**
   * `METATRAIN_TOKEN`: when set, `/metrics` (and every route added without `access: 'open'`)
   * requires `Authorization: Bearer <token>`. Must not be empty.
   */
  token?: string;
  /** How long `/readyz` waits for `readiness`, in ms. @default 2000 */
  readinessTimeoutMs?: number;
  /** Hears handler failures (answered 500). @default one line on stderr */
  onError?: (error: unknown) => void;
}

interface Route {
  handler: RouteHandler;
  access: 'token' | 'open';
  methods: readonly string[];
}

/** How long close() lets requests in flight finish before cutting their connections. */
const CLOSE_GRACE_MS = 5000;

const logError = (error: unknown): void => {
  process.stderr.write(`http: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
};

/**
 * The HTTP port of a metatrain process: `/healthz` (liveness), `/readyz` (readiness), `/metrics`
 * (Prometheus), on plain `node:http`, GET only. More routes — the coordinator's dashboard — are added with
 * {@link addRoute}; exact paths, or a prefix written `/dashboard/*`, GET unless they say POST too.
 */
export class HttpServer {
  /** `host:port` actually bound (`[::1]:8080` for IPv6), with the real port when 0 was asked. */
  readonly address: string;
  /** The port actually bound. */
  readonly port: number;
  private readonly exact = new Map<string, Route>();
  private readonly prefixes: Array<{ prefix: string; route: Route }> = [];
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly token: string | undefined,
    private readonly onError: (error: unknown) => void,
  ) {
    const bound = server.address() as AddressInfo;
    this.port = bound.port;
    this.address = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  }

  /** Listens on `host:port`; rejects if it cannot (port in use, bad host). */
  static async create(options: HttpServerOptions): Promise<HttpServer> {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      throw new RangeError(`port: must be an integer from 0 to 65535, got ${options.port}`);
    }
    if (options.token === '') throw new RangeError('token: is empty; leave it unset to serve /metrics without a token');
    const server = createServer();
    // Probes and scrapes send small requests at once; a client trickling headers gets cut off.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const http = new HttpServer(server, options.token, options.onError ?? logError);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void http.handle(request, response));
    server.on('error', http.onError); // after listening, e.g. a socket error; without a listener it would crash the process
    http.addRoute('/healthz', healthz, { access: 'open' });
    http.addRoute('/readyz', readyz(options.readiness, options.readinessTimeoutMs ?? 2000), { access: 'open' });
    http.addRoute('/metrics', metrics(options.metrics));
    return http;
  }

  /**
   * Serves `path` with `handler` (GET, or `options.methods`). `path` is exact (`/jobs`) or a prefix ending in `/*`
   * (`/dashboard/*` takes `/dashboard/` and everything below it); an exact path wins over a
   * prefix, a longer prefix over a shorter one. Routes are guarded by the token unless
   * `access: 'open'`.
   *
   * @throws Error if `path` is taken or does not start with `/`.
   */
  addRoute(path: string, handler: RouteHandler, options: RouteOptions = {}): void {
    if (!path.startsWith('/')) throw new Error(`http: route ${JSON.stringify(path)} must start with /`);
    const route: Route = { handler, access: options.access ?? 'token', methods: options.methods ?? ['GET'] };
    if (path.endsWith('/*')) {
      const prefix = path.slice(0, -1);
      if (this.prefixes.some((p) => p.prefix === prefix)) throw new Error(`http: route ${path} is already served`);
      this.prefixes.push({ prefix, route });
      this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
    } else {
      if (this.exact.has(path)) throw new Error(`http: route ${path} is already served`);
      this.exact.set(path, route);
    }
  }

  /**
   * Stops listening and resolves once every connection is closed: idle keep-alive ones at
   * once, requests in flight after they finish or after a grace period. Idempotent.
   */
  close(): Promise<void> {
    return (this.closing ??= new Promise<void>((resolve, reject) => {
      const force = setTimeout(() => this.server.closeAllConnections(), CLOSE_GRACE_MS);
      this.server.close((error) => {
        clearTimeout(force);
        if (error) reject(error);
        else resolve();
      });
      this.server.closeIdleConnections();
    }));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const route = this.route(pathOf(request.url));
      if (!route) return sendText(response, 404, 'not found\n');
      if (!route.methods.includes(request.method ?? '')) return sendText(response, 405, 'method not allowed\n', { allow: route.methods.join(', ') });
      if (route.access === 'token' && this.token !== undefined && !hasBearerToken(request.headers.authorization, this.token)) {
        // Says what is missing, never what was expected or what came.
        return sendText(response, 401, 'unauthorized: send Authorization: Bearer <METATRAIN_TOKEN>\n', { 'www-authenticate': 'Bearer realm="metatrain"' });
      }
      await route.handler(request, response);
    } catch (error) {
      this.onError(error);
      if (!response.headersSent) sendText(response, 500, 'internal error\n');
      else response.destroy();
    }
  }

  private route(path: string | undefined): Route | undefined {
    if (path === undefined) return undefined;
    return this.exact.get(path) ?? this.prefixes.find((p) => path.startsWith(p.prefix))?.route;
  }
}

/** The path of a request target, without the query; undefined when it is not a path. */
function pathOf(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith('/')) return undefined;
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}
