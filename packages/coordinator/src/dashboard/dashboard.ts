import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpServer } from '@metatrain/http';
import { EXPORT_FILES, type ExportFile } from '@metatrain/core';
import { DashboardApi, sendRequestError } from './api-routes';
import type { DashboardSources } from './dashboard-sources';
import { BodyError, readForm, redirect, sendHtml, sendJson } from './http-io';
import { jobPage, jobsPage, loginPage, type PageContext, workersPage } from './pages';
import { type Caller, DashboardAuth } from './request-auth';
import { StaticAssets } from './static-assets';

/** Options of {@link Dashboard.mount}. */
export interface DashboardOptions extends DashboardSources {
  /** METATRAIN_TOKEN; when set, every page and API call needs it (or a session opened with it). */
  token: string | undefined;
}

type Guard = 'open' | 'page' | 'api';
type Handler = (request: IncomingMessage, response: ServerResponse, caller: Caller | undefined, params: string[]) => Promise<void> | void;
interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  guard: Guard;
  handler: Handler;
}

const ID = '([^/]+)';
const UNAUTHORIZED = 'unauthorized: log in at /dashboard/login, or send Authorization: Bearer <METATRAIN_TOKEN>';

/**
 * The dashboard (docs/DASHBOARD.md), served under /dashboard on the coordinator's HTTP port:
 * pages for jobs, one job and workers, their JSON and Server-Sent Event API under
 * /dashboard/api, the login form, and the static files. Pages send a browser without a
 * session to the login form; the API answers it 401.
 */
export class Dashboard {
  private readonly routes: Route[];

  private constructor(
    private readonly api: DashboardApi,
    private readonly auth: DashboardAuth,
    private readonly assets = new StaticAssets(),
  ) {
    const get = (pattern: string, guard: Guard, handler: Handler): Route => ({ method: 'GET', pattern: new RegExp(`^/dashboard${pattern}$`), guard, handler });
    const post = (pattern: string, guard: Guard, handler: Handler): Route => ({ ...get(pattern, guard, handler), method: 'POST' });
    const json = (produce: (params: string[]) => Promise<unknown> | unknown): Handler => async (_q, response, _c, params) => sendJson(response, 200, await produce(params));
    this.routes = [
      get('', 'open', (_q, response) => redirect(response, '/dashboard/')),
      get('/', 'page', (_q, response, caller) => sendHtml(response, 200, jobsPage(this.context(caller)))),
      get(`/jobs/${ID}`, 'page', (_q, response, caller, [id]) => sendHtml(response, 200, jobPage(this.context(caller), id ?? ''))),
      get('/workers', 'page', (_q, response, caller) => sendHtml(response, 200, workersPage(this.context(caller)))),
      get('/login', 'open', (_q, response) => (this.auth.required ? sendHtml(response, 200, loginPage()) : redirect(response, '/dashboard/'))),
      post('/login', 'open', (request, response) => this.login(request, response)),
      post('/logout', 'api', (request, response, caller) => this.logout(request, response, caller)),
      get('/static/([A-Za-z0-9._-]+)', 'open', (_q, response, _c, [name]) => this.asset(response, name ?? '')),
      get('/api/jobs', 'api', json(() => this.api.jobs())),
      get(`/api/jobs/${ID}`, 'api', json(([id]) => this.api.job(id ?? ''))),
      get(`/api/jobs/${ID}/events`, 'api', (request, response, _c, [id]) => this.api.jobEvents(request, response, id ?? '')),
      post(`/api/jobs/${ID}/cancel`, 'api', (request, response, caller, [id]) => this.cancel(request, response, caller, id ?? '')),
      get(`/api/jobs/${ID}/export/${'([a-z.]+)'}`, 'api', (_q, response, _c, [id, file]) => this.exportFile(response, id ?? '', file ?? '')),
      get('/api/workers', 'api', json(() => this.api.workers())),
      get('/api/live/jobs', 'api', (request, response) => this.api.liveJobs(request, response)),
      get('/api/live/workers', 'api', (request, response) => this.api.liveWorkers(request, response)),
    ];
  }

  /** Adds the dashboard's routes to `http`. */
  static mount(http: HttpServer, options: DashboardOptions): Dashboard {
    const dashboard = new Dashboard(new DashboardApi(options), new DashboardAuth(options.token));
    // The HTTP server does not check the token here: the dashboard takes a session cookie too.
    const handle = (request: IncomingMessage, response: ServerResponse) => dashboard.handle(request, response);
    http.addRoute('/dashboard', handle, { access: 'open' });
    http.addRoute('/dashboard/*', handle, { access: 'open', methods: ['GET', 'POST'] });
    return dashboard;
  }

  /** Ends the open event streams, so that the HTTP server can close at once; idempotent. */
  close(): void {
    this.api.close();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const matching = this.routes.filter((r) => r.pattern.test(path));
    const route = matching.find((r) => r.method === request.method);
    if (!route) {
      if (matching.length === 0) return sendJson(response, 404, { error: `no page ${path}` });
      return sendJson(response, 405, { error: `${request.method ?? ''} is not allowed here` }, { allow: matching.map((r) => r.method).join(', ') });
    }
    const caller = this.auth.caller(request);
    if (!caller && route.guard === 'page') return redirect(response, '/dashboard/login');
    if (!caller && route.guard === 'api') return sendJson(response, 401, { error: UNAUTHORIZED });
    let params: string[];
    try {
      params = (route.pattern.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p));
    } catch {
      return sendJson(response, 400, { error: `the path ${path} is not valid percent-encoding` });
    }
    try {
      await route.handler(request, response, caller, params);
    } catch (error) {
      if (response.headersSent || !sendRequestError(response, error)) throw error;
    }
  }

  private context(caller: Caller | undefined): PageContext {
    return { csrf: (caller && this.auth.csrfOf(caller)) ?? '', loggedIn: caller?.via === 'session' };
  }

  private async login(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.auth.required) return redirect(response, '/dashboard/');
    const form = await this.form(request, response);
    if (!form) return;
    const cookie = this.auth.login(form.get('token') ?? '');
    // Says that the token was wrong, never what it should have been.
    if (!cookie) return sendHtml(response, 401, loginPage('That is not the token this coordinator was started with.'));
    redirect(response, '/dashboard/', { 'set-cookie': cookie });
  }

  private async logout(request: IncomingMessage, response: ServerResponse, caller: Caller | undefined): Promise<void> {
    const form = await this.form(request, response);
    if (!form || !caller || this.refuseForgery(request, response, caller, form.get('csrf') ?? undefined)) return;
    redirect(response, this.auth.required ? '/dashboard/login' : '/dashboard/', { 'set-cookie': this.auth.logout(caller) });
  }

  private async cancel(request: IncomingMessage, response: ServerResponse, caller: Caller | undefined, jobId: string): Promise<void> {
    request.resume(); // the body is not used: the job id is in the path
    const csrf = request.headers['x-csrf-token'];
    if (!caller || this.refuseForgery(request, response, caller, typeof csrf === 'string' ? csrf : undefined)) return;
    sendJson(response, 200, { job: await this.api.cancel(jobId) });
  }

  private async exportFile(response: ServerResponse, jobId: string, file: string): Promise<void> {
    if (!(EXPORT_FILES as readonly string[]).includes(file)) return sendJson(response, 404, { error: `no export file ${file}; there are ${EXPORT_FILES.join(', ')}` });
    await this.api.exportFile(response, jobId, file as ExportFile);
  }

  private async asset(response: ServerResponse, name: string): Promise<void> {
    if (!this.assets.has(name)) return sendJson(response, 404, { error: `no static file ${name}` });
    await this.assets.send(response, name);
  }

  /** Answers 403 and returns true when the request may be forged. */
  private refuseForgery(request: IncomingMessage, response: ServerResponse, caller: Caller, csrf: string | undefined): boolean {
    const problem = this.auth.forgeryProblem(request, caller, csrf);
    if (problem) sendJson(response, 403, { error: `forbidden: ${problem}` });
    return problem !== undefined;
  }

  private async form(request: IncomingMessage, response: ServerResponse): Promise<URLSearchParams | undefined> {
    try {
      return await readForm(request);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      sendJson(response, error.status, { error: error.message });
      return undefined;
    }
  }
}
