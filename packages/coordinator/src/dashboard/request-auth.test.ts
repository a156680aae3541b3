import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DashboardAuth } from './request-auth';

const request = (headers: Record<string, string>): IncomingMessage => ({ headers: { host: '127.0.0.1:8080', ...headers } }) as unknown as IncomingMessage;

describe('DashboardAuth', () => {
  it('without a token lets everyone read, but a POST still needs the page CSRF token from this origin', () => {
    const auth = new DashboardAuth(undefined);
    const caller = auth.caller(request({}));
    expect(auth.required).toBe(false);
    expect(caller?.via).toBe('open');
    const csrf = caller ? (auth.csrfOf(caller) ?? '') : '';
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{32}$/);
    if (!caller) return;
    expect(auth.forgeryProblem(request({}), caller, undefined)).toMatch(/CSRF token is missing or wrong/);
    expect(auth.forgeryProblem(request({ origin: 'http://127.0.0.1:8080' }), caller, csrf)).toBeUndefined();
    expect(auth.forgeryProblem(request({ origin: 'http://127.0.0.1:9999' }), caller, csrf)).toMatch(/another origin/);
    expect(auth.forgeryProblem(request({ origin: 'null' }), caller, csrf)).toMatch(/another origin/);
    expect(auth.forgeryProblem(request({ 'sec-fetch-site': 'same-site' }), caller, csrf)).toMatch(/another site/);
    expect(auth.login('anything')).toBeUndefined();
  });

  it('with a token takes the bearer header (no CSRF: no ambient credential) or a session cookie', () => {
    const auth = new DashboardAuth('t0ken');
    expect(auth.caller(request({}))).toBeUndefined();
    expect(auth.caller(request({ authorization: 'Bearer nope' }))).toBeUndefined();
    const script = auth.caller(request({ authorization: 'Bearer t0ken' }));
    expect(script).toEqual({ via: 'bearer' });
    if (script) expect(auth.forgeryProblem(request({ 'sec-fetch-site': 'cross-site' }), script, undefined)).toBeUndefined();

    const setCookie = auth.login('t0ken') ?? '';
    expect(setCookie).not.toContain('t0ken');
    const browser = auth.caller(request({ cookie: `theme=dark; ${setCookie.split(';')[0] ?? ''}` }));
    expect(browser?.via).toBe('session');
    if (!browser) return;
    expect(auth.forgeryProblem(request({}), browser, auth.csrfOf(browser))).toBeUndefined();
    expect(auth.logout(browser)).toContain('Max-Age=0');
    expect(auth.caller(request({ cookie: setCookie.split(';')[0] ?? '' }))).toBeUndefined();
  });
});
