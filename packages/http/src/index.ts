// The HTTP port both the coordinator and the worker serve: /healthz, /readyz and /metrics,
// guarded by METATRAIN_TOKEN, on plain node:http. The coordinator adds its dashboard and
// /queue-depth to it.
export { HttpServer } from './http-server';
export type { HttpServerOptions } from './http-server';
export type { MetricsSource, Readiness, ReadinessCheck } from './core-routes';
export { sendText } from './respond';
export type { RouteHandler, RouteOptions } from './route';
export { hasBearerToken, tokenMatches } from './bearer-token';
export { withTimeout } from './with-timeout';
export type { TimedResult } from './with-timeout';
