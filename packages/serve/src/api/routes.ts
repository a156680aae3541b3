import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError } from '@metatrain/core';
import { withTimeout } from '@metatrain/http';
import type { AdaptedCache } from '../adapted/adapted-cache';
import type { AdaptEngine } from '../engine/adapt-engine';
import { DeadlineError, QueueFullError, ServeError } from '../errors';
import { describeModel, type ServedModel } from '../models/served-model';
import type { ServeMetrics } from '../serve-metrics';
import { predictAnswer, predictionsJson } from './answers';
import { readJsonBody, sendError, sendJson } from './json-io';
import { adaptBody, adaptedPredictBody, parseBody, predictBody } from './request-bodies';
import { inputsFromBody, taskFromBody } from './task-from-body';

/** What the API handlers work with. */
export interface ApiContext {
  models: ReadonlyMap<string, ServedModel>;
  engine: AdaptEngine;
  adapted: AdaptedCache;
  metrics: ServeMetrics;
  deadlineMs: number;
  maxBodyBytes: number;
  maxExamples: number;
  adaptedTtlMs: number;
}

/** `{name}:{action}` of a path below `prefix`. */
function target(url: string | undefined, prefix: string): { name: string; action: string } | undefined {
  const rest = (url ?? '').split('?')[0]?.slice(prefix.length) ?? '';
  const m = /^([^/:]+):([a-z]+)$/.exec(rest);
  if (!m) return undefined;
  try {
    return { name: decodeURIComponent(m[1] as string), action: m[2] as string };
  } catch {
    return undefined;
  }
}

/** The engine's failures as answers: bad input 400, a full queue 503, a passed deadline 504. */
function asServeError(err: unknown, deadlineMs: number): unknown {
  if (err instanceof ServeError) return err;
  if (err instanceof InputError) return new ServeError(400, err.message);
  if (err instanceof QueueFullError) return new ServeError(503, `busy: ${err.message}; retry shortly`, { 'retry-after': '1' });
  if (err instanceof DeadlineError) return new ServeError(504, `deadline: not answered within ${deadlineMs} ms (SERVE_DEADLINE_MS)`);
  return err;
}

/** Runs `work` under the request deadline; answers its result as JSON, or its failure. */
async function answer(ctx: ApiContext, route: string, response: ServerResponse, work: (deadline: number) => Promise<Record<string, unknown>>): Promise<void> {
  const started = performance.now();
  let status = 200;
  try {
    const deadline = Date.now() + ctx.deadlineMs;
    const working = work(deadline);
    // Past the deadline nobody waits for it: its late failure is not news.
    working.catch(() => undefined);
    const timed = await withTimeout(working, ctx.deadlineMs);
    if (!timed.done) throw new DeadlineError('deadline passed');
    sendJson(response, 200, timed.value);
  } catch (err) {
    const error = asServeError(err, ctx.deadlineMs);
    if (!(error instanceof ServeError)) throw error;
    status = error.status;
    sendError(response, error);
  } finally {
    ctx.metrics.requests.observe({ route, status: String(status) }, (performance.now() - started) / 1000);
  }
}

function modelNamed(ctx: ApiContext, name: string): ServedModel {
  const model = ctx.models.get(name);
  if (!model) throw new ServeError(404, `model ${JSON.stringify(name)}: not served (GET /v1/models lists the models)`);
  return model;
}

/** `GET /v1/models`. */
export function listModels(ctx: ApiContext) {
  return (_request: IncomingMessage, response: ServerResponse) => sendJson(response, 200, { models: [...ctx.models.values()].map(describeModel) });
}

/** `POST /v1/models/{name}:predict` and `POST /v1/models/{name}:adapt`. */
export function modelAction(ctx: ApiContext) {
  return async (request: IncomingMessage, response: ServerResponse) => {
    const at = target(request.url, '/v1/models/');
    if (!at || (at.action !== 'predict' && at.action !== 'adapt')) return sendError(response, new ServeError(404, 'not found: POST /v1/models/{name}:predict or /v1/models/{name}:adapt'));
    await answer(ctx, at.action, response, async (deadline) => {
      const model = modelNamed(ctx, at.name);
      const raw = await readJsonBody(request, ctx.maxBodyBytes);
      if (at.action === 'predict') {
        const { task, classNames } = taskFromBody(model, parseBody(predictBody, raw), ctx.maxExamples);
        return predictAnswer(await ctx.engine.adapt(model.name, task, deadline), classNames);
      }
      const { task, classNames } = taskFromBody(model, parseBody(adaptBody, raw), ctx.maxExamples);
      const result = await ctx.engine.adapt(model.name, { ...task, keepAdapted: true }, deadline);
      if (!result.adapted) throw new Error('the engine kept no adapted model');
      const id = ctx.adapted.add({ model: model.name, adapted: result.adapted, classNames });
      return { id, model: model.name, expiresAfterSeconds: ctx.adaptedTtlMs / 1000, supportLosses: result.supportLosses, steps: result.steps, lr: result.lr ?? null };
    });
  };
}

/** `POST /v1/adapted/{id}:predict`. */
export function adaptedAction(ctx: ApiContext) {
  return async (request: IncomingMessage, response: ServerResponse) => {
    const at = target(request.url, '/v1/adapted/');
    if (!at || at.action !== 'predict') return sendError(response, new ServeError(404, 'not found: POST /v1/adapted/{id}:predict'));
    await answer(ctx, 'adapted-predict', response, async (deadline) => {
      const raw = await readJsonBody(request, ctx.maxBodyBytes);
      const entry = ctx.adapted.get(at.name);
      ctx.metrics.adaptedLookups.inc({ result: entry ? 'hit' : 'miss' });
      if (!entry) throw new ServeError(404, `adapted model ${JSON.stringify(at.name)}: unknown or expired; adapt again (POST /v1/models/{name}:adapt)`);
      const model = modelNamed(ctx, entry.model);
      const { x, n } = inputsFromBody(model, parseBody(adaptedPredictBody, raw).inputs, ctx.maxExamples);
      return { model: model.name, ...predictionsJson(await ctx.engine.predict(model.name, entry.adapted, x, n, deadline), entry.classNames) };
    });
  };
}
