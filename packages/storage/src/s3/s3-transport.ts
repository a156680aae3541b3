import * as http from 'node:http';
import * as https from 'node:https';
import { RETRYABLE_HTTP_STATUSES } from '../retry-policy';

/** What minio-js calls to send a request: the `request` function of `http` or `https`. */
export type Transport = Pick<typeof http, 'request'>;

/** An HTTP(S) transport for minio-js and the keep-alive agent it uses; destroy the agent to close. */
export interface S3Transport {
  transport: Transport;
  agent: http.Agent;
}

/**
 * Wraps http(s).request for minio-js, which has no timeout of its own: a socket silent for
 * `idleTimeoutMs` is destroyed with an ETIMEDOUT error, so a hung server becomes a retryable
 * failure instead of a put that never returns. minio-js also abandons the body of a response
 * whose status it retries (5xx, 429...); draining it here hands the socket back to the pool.
 */
export function createS3Transport(useSSL: boolean, idleTimeoutMs: number): S3Transport {
  const base = useSSL ? https : http;
  const agent = new base.Agent({ keepAlive: true, maxSockets: 16 });
  const request = (options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void) => {
    const req = base.request({ ...options, agent, timeout: idleTimeoutMs }, (res) => {
      if (RETRYABLE_HTTP_STATUSES.has(res.statusCode ?? 0)) res.resume();
      callback?.(res);
    });
    req.on('timeout', () => {
      const err = Object.assign(new Error(`no response from the S3 endpoint for ${idleTimeoutMs} ms`), { code: 'ETIMEDOUT' });
      req.destroy(err);
    });
    return req;
  };
  // minio only ever calls request(options, callback); the overloads of http.request are wider.
  return { transport: { request: request as typeof http.request }, agent };
}
