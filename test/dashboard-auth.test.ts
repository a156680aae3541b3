import { grpc, JobServiceClient } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessCoordinator, startInProcessCoordinator } from './support/in-process-coordinator';

// The dashboard of a coordinator started with METATRAIN_TOKEN, over real HTTP: every page and
// API call needs the token (as a bearer header, or a session opened by POSTing it to the login
// form), the token is never in a URL, a cookie or a response, and cancel from a browser needs
// the page's CSRF token and this origin. No workers: the submitted job waits at round 0.

const TOKEN = 'dashboard-test-token-5f2c9a';
const SPEC = `name: guarded-job
algorithm: maml
model: { kind: mlp, hidden: [8] }
tasks: { family: sinusoid, shots: 5 }
outer: { lr: 0.001, metaBatchSize: 4, iterations: 10 }
shardSize: 2
`;

let started: InProcessCoordinator | undefined;
let base: string;
let jobId: string;

const url = (path: string) => `${base}${path}`;
const get = (path: string, headers: Record<string, string> = {}) => fetch(url(path), { headers, redirect: 'manual' });
const postForm = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString(), redirect: 'manual' });

/** Logs in through the form; returns the `Cookie` header value of the new session. */
async function login(): Promise<string> {
  const response = await postForm('/dashboard/login', { token: TOKEN });
  expect(response.status).toBe(303);
  const setCookie = response.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0] ?? '';
}

/** The CSRF token a page served with `cookie` carries. */
async function csrfOf(cookie: string): Promise<string> {
  const html = await (await get('/dashboard/', { cookie })).text();
  return /<meta name="csrf-token" content="([^"]+)">/.exec(html)?.[1] ?? '';
}

/** Reads a Server-Sent Events stream until `done` says so (or 20 s pass); returns its text. */
async function readEvents(path: string, headers: Record<string, string>, done: (text: string) => boolean): Promise<{ status: number; text: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 20_000);
  const response = await fetch(url(path), { headers, signal: controller.signal });
  let text = '';
  try {
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    while (reader && !done(text)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status: response.status, text };
}

beforeAll(async () => {
  started = await startInProcessCoordinator({ token: TOKEN });
  const { coordinator } = started;
  base = `http://${coordinator.httpAddress}`;
  const client = new JobServiceClient(coordinator.grpcAddress, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  jobId = await new Promise<string>((resolve, reject) =>
    client.submitJob({ spec: SPEC }, metadata, { deadline: new Date(Date.now() + 10_000) }, (err, res) => (err ? reject(err) : resolve(res.jobId))),
  );
  client.close();
});
afterAll(async () => {
  await started?.close();
});

describe('dashboard with METATRAIN_TOKEN', () => {
  it('sends pages to the login form and answers the API 401 without a session; static files stay open', async () => {
    for (const path of ['/dashboard/', `/dashboard/jobs/${jobId}`, '/dashboard/workers']) {
      const response = await get(path);
      expect(response.status, path).toBe(303);
      expect(response.headers.get('location')).toBe('/dashboard/login');
    }
    for (const path of ['/dashboard/api/jobs', `/dashboard/api/jobs/${jobId}`, `/dashboard/api/jobs/${jobId}/events`, '/dashboard/api/workers', '/dashboard/api/live/jobs']) {
      const response = await get(path);
      expect(response.status, path).toBe(401);
      expect(((await response.json()) as { error: string }).error).toMatch(/^unauthorized: log in at \/dashboard\/login/);
    }
    expect((await get('/dashboard/api/jobs', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get('/dashboard/', { cookie: 'metatrain_session=made-up' })).status).toBe(303);
    expect((await get('/dashboard/static/app.css')).status).toBe(200);
    expect((await get('/dashboard/static/uPlot.iife.min.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await postForm(`/dashboard/api/jobs/${jobId}/cancel`, {})).status).toBe(401);
  });

  it('logs in only with the token POSTed in the form body, never from a URL', async () => {
    const form = await (await get('/dashboard/login')).text();
    expect(form).toContain('<form method="post" action="/dashboard/login">');
    expect(form).toContain('type="password"');

    const fromUrl = await get(`/dashboard/login?token=${TOKEN}`);
    expect(fromUrl.headers.get('set-cookie')).toBeNull();
    expect(await fromUrl.text()).not.toContain(TOKEN);

    for (const wrong of ['', 'nope', TOKEN.slice(0, -1), `${TOKEN}x`]) {
      const response = await postForm('/dashboard/login', { token: wrong });
      expect(response.status, wrong).toBe(401);
      expect(response.headers.get('set-cookie')).toBeNull();
      const body = await response.text();
      expect(body).toContain('That is not the token');
      if (wrong !== '') expect(body).not.toContain(wrong);
    }
    expect((await postForm('/dashboard/login', { token: 'x'.repeat(10_000) })).status).toBe(413);
  });

  it('opens a session in an HttpOnly, SameSite=Strict cookie that is not the token, and never reveals the token', async () => {
    const response = await postForm('/dashboard/login', { token: TOKEN });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/');
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^metatrain_session=[A-Za-z0-9_-]{43}; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0] ?? '';

    for (const path of ['/dashboard/', `/dashboard/jobs/${jobId}`, '/dashboard/workers', '/dashboard/api/jobs', `/dashboard/api/jobs/${jobId}`, '/dashboard/api/workers']) {
      const page = await get(path, { cookie });
      expect(page.status, path).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      const body = await page.text();
      expect(body, path).not.toContain(TOKEN);
      expect(JSON.stringify([...page.headers]), path).not.toContain(TOKEN);
    }
    const html = await get('/dashboard/', { cookie });
    expect(html.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const jobs = (await (await get('/dashboard/api/jobs', { cookie })).json()) as Array<{ id: string; state: string; algorithm: string; roundsCompleted: number; totalRounds: number }>;
    expect(jobs).toEqual([expect.objectContaining({ id: jobId, state: 'RUNNING', algorithm: 'maml', roundsCompleted: 0, totalRounds: 10 })]);
  });

  it('streams job lists and a job history over Server-Sent Events to a session or a bearer script', async () => {
    const cookie = await login();
    const live = await readEvents('/dashboard/api/live/jobs', { cookie }, (text) => text.includes('event: jobs'));
    expect(live.status).toBe(200);
    expect(live.text).toContain(`"id":"${jobId}"`);
    expect(live.text).not.toContain(TOKEN);
    // A stream opened now gets the job's state first (then its stored curve: none yet, no workers).
    const history = await readEvents(`/dashboard/api/jobs/${jobId}/events`, { authorization: `Bearer ${TOKEN}` }, (text) => text.includes('"state":"RUNNING"'));
    expect(history.status).toBe(200);
    const states = [...history.text.matchAll(/"state":"([A-Z]+)"/g)].map((m) => m[1]);
    expect(states.slice(0, 1)).toEqual(['RUNNING']);
    expect((await get('/dashboard/api/jobs/no-such-job', { cookie })).status).toBe(404);
  });

  it('cancels from a browser only with the page CSRF token, from this origin', async () => {
    const cookie = await login();
    const csrf = await csrfOf(cookie);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const cancel = (headers: Record<string, string>) => fetch(url(`/dashboard/api/jobs/${jobId}/cancel`), { method: 'POST', headers: { cookie, ...headers } });
    expect((await cancel({})).status).toBe(403);
    expect((await cancel({ 'x-csrf-token': 'forged' })).status).toBe(403);
    expect((await cancel({ 'x-csrf-token': await csrfOf(await login()) })).status).toBe(403); // another session's token
    expect((await cancel({ 'x-csrf-token': csrf, origin: 'http://evil.example' })).status).toBe(403);
    expect((await cancel({ 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await (await get('/dashboard/api/jobs', { cookie })).json()) as unknown[]).toEqual([expect.objectContaining({ id: jobId, state: 'RUNNING' })]);

    const done = await cancel({ 'x-csrf-token': csrf, origin: base });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { job: { state: string } }).job.state).toBe('CANCELLED');
    expect((await cancel({ 'x-csrf-token': csrf })).status).toBe(200); // cancelling a cancelled job is a no-op
    const scripted = await fetch(url('/dashboard/api/jobs/no-such-job/cancel'), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(scripted.status).toBe(404);
  });

  it('logs out with the CSRF token, after which the cookie opens nothing', async () => {
    const cookie = await login();
    expect((await postForm('/dashboard/logout', { csrf: 'forged' }, { cookie })).status).toBe(403);
    const out = await postForm('/dashboard/logout', { csrf: await csrfOf(cookie) }, { cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await get('/dashboard/', { cookie })).status).toBe(303);
    expect((await get('/dashboard/api/jobs', { cookie })).status).toBe(401);
  });

  it('keeps /metrics on the bearer token alone', async () => {
    const cookie = await login();
    expect((await get('/metrics', { cookie })).status).toBe(401);
    expect((await get('/metrics', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});
