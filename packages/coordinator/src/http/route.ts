import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Answers one GET request. It may be async; if it throws before answering, the server
 * answers 500 and reports the error.
 */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** How a route is guarded. */
export interface RouteOptions {
  /**
   * `token`: when the server has a token, requests must carry `Authorization: Bearer <token>`.
   * `open`: never asks (liveness and readiness probes, which carry no credentials).
   * @default 'token'
   */
  access?: 'token' | 'open';
}
