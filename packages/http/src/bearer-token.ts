import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Whether an `Authorization` header carries `Bearer <token>`. Compares digests in constant
 * time, so neither the token's length nor its prefix leaks through response timing.
 */
export function hasBearerToken(authorization: string | undefined, token: string): boolean {
  const presented = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  return presented !== undefined && tokenMatches(presented, token);
}

/** Whether `presented` is `token`, compared as digests in constant time (see {@link hasBearerToken}). */
export function tokenMatches(presented: string, token: string): boolean {
  return timingSafeEqual(digest(presented), digest(token));
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
