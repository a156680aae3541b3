import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hasBearerToken, tokenMatches } from '@metatrain/http';
import { cookie } from './http-io';
import { type Session, SessionStore } from './sessions';

/** The name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'metatrain_session';

/** Who made a request: a script with the bearer token, a logged-in browser, or anyone (no token set). */
export type Caller = { via: 'bearer' } | { via: 'session'; sessionId: string; session: Session } | { via: 'open'; csrf: string };

/**
 * The dashboard's guard. With METATRAIN_TOKEN set, a request must carry the token as
 * `Authorization: Bearer` (scripts) or the cookie of a session opened by POSTing the token to
 * the login form (browsers); the token never appears in a URL, a page or a cookie. Requests
 * that change something (cancel, logout) from a browser must also pass {@link forgeryProblem}:
 * the session cookie is SameSite=Strict, and the page must echo its CSRF token.
 */
export class DashboardAuth {
  /** The CSRF token of pages served without a token configured (one per coordinator process). */
  private readonly openCsrf = randomBytes(24).toString('base64url');

  constructor(
    private readonly token: string | undefined,
    private readonly sessions = new SessionStore(),
  ) {}

  /** Whether pages need a login. */
  get required(): boolean {
    return this.token !== undefined;
  }

  /** The request's caller; undefined when a token is set and the request proves neither it nor a session. */
  caller(request: IncomingMessage): Caller | undefined {
    if (this.token === undefined) return { via: 'open', csrf: this.openCsrf };
    if (hasBearerToken(request.headers.authorization, this.token)) return { via: 'bearer' };
    const sessionId = cookie(request, SESSION_COOKIE);
    const session = this.sessions.get(sessionId);
    return session && sessionId ? { via: 'session', sessionId, session } : undefined;
  }

  /** The CSRF token a page served to `caller` must send back; undefined for bearer callers. */
  csrfOf(caller: Caller): string | undefined {
    if (caller.via === 'session') return caller.session.csrf;
    if (caller.via === 'open') return caller.csrf;
    return undefined;
  }

  /**
   * Why a state-changing request of `caller` must be refused as a possible cross-site request
   * forgery, or undefined. Bearer callers carry no ambient credential, so only browsers are
   * checked: the request must come from this origin and carry the page's CSRF token.
   */
  forgeryProblem(request: IncomingMessage, caller: Caller, presentedCsrf: string | undefined): string | undefined {
    const expected = this.csrfOf(caller);
    if (expected === undefined) return undefined;
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return 'the request comes from another site';
    const origin = request.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, request.headers.host)) return 'the request comes from another origin';
    if (presentedCsrf === undefined || presentedCsrf === '' || !tokenMatches(presentedCsrf, expected)) return 'the CSRF token is missing or wrong; reload the page';
    return undefined;
  }

  /** Opens a session when `presented` is the token; returns its Set-Cookie header value. */
  login(presented: string): string | undefined {
    if (this.token === undefined || !tokenMatches(presented, this.token)) return undefined;
    const { id } = this.sessions.create();
    return `${SESSION_COOKIE}=${id}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${this.sessions.ttlSeconds}`;
  }

  /** Ends the caller's session; returns the Set-Cookie header value that clears the cookie. */
  logout(caller: Caller): string {
    if (caller.via === 'session') this.sessions.delete(caller.sessionId);
    return `${SESSION_COOKIE}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
