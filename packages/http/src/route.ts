import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Answers one request (GET unless the route says otherwise). It may be async; if it throws
 * before answering, the server answers 500 and reports the error.
 */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** How a route is guarded. */
export interface RouteOptions {
  /**
   * `token`: when the server has a token, requests must carry `Authorization: Bearer <token>`.
   * `open`: never asks (liveness and readiness probes, which carry no credentials; the
   * dashboard, which checks its own session cookie or the bearer token).
   * @default 'token'
   */
  access?: 'token' | 'open';
  /** The methods served; others are answered 405. @default ['GET'] */
  methods?: readonly ('GET' | 'POST')[];
}
