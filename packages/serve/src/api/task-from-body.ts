import { type Examples, ExamplesError, examplesFromJson, type RawExamples, resolveTargets } from '@metatrain/core';
import type { AdaptQuery, AdaptTask } from '@metatrain/metalearn';
import { badRequest, ServeError } from '../errors';
import type { ServedModel } from '../models/served-model';

/** A request's task for the engine, and the names of its classes when its targets were names. */
export interface BodyTask {
  task: AdaptTask;
  classNames: string[] | undefined;
}

function examplesError(err: unknown): unknown {
  return err instanceof ExamplesError ? badRequest(err.message) : err;
}

function checkCount(examples: number, limit: number): void {
  if (examples > limit) throw new ServeError(413, `support, query: ${examples} examples, more than ${limit} (SERVE_MAX_EXAMPLES)`);
}

/**
 * Reads `support` (and `query`) of a body as `metatrain adapt` reads its files — the same
 * formats, the model's input shape, targets matched to its classes — with messages naming
 * the field (`support: targets[2]: …`) where the CLI names the file.
 * @throws ServeError 400 naming the field, 413 above `maxExamples`
 */
export function taskFromBody(model: ServedModel, body: { support: unknown; query?: unknown; steps?: number | undefined; lr?: number | undefined }, maxExamples: number): BodyTask {
  const shape = { exampleSize: model.io.exampleSize, inputShape: model.io.inputShape };
  try {
    const support = examplesFromJson('support', body.support, { ...shape, targetsOptional: false });
    const query = body.query === undefined ? undefined : examplesFromJson('query', body.query, { ...shape, targetsOptional: true });
    checkCount(support.n + (query?.n ?? 0), maxExamples);
    const targets = resolveTargets(support, query, { kind: model.io.kind, outputs: model.io.outputs, ...(model.labels ? { labels: model.labels } : {}) });
    const supportSet: Examples = { x: support.x, y: targets.support, n: support.n };
    const task: AdaptTask = {
      support: supportSet,
      ...(query ? { query: queryOf(query, targets.query) } : {}),
      options: { ...(body.steps === undefined ? {} : { steps: body.steps }), ...(body.lr === undefined ? {} : { lr: body.lr }) },
    };
    return { task, classNames: targets.classNames };
  } catch (err) {
    throw examplesError(err);
  }
}

function queryOf(query: RawExamples, y: Float32Array | Int32Array | undefined): AdaptQuery {
  return { x: query.x, n: query.n, ...(y ? { y } : {}) };
}

/** `{"inputs": [...]}` of `/v1/adapted/{id}:predict`: the inputs, shaped for the model; messages name `inputs[i]`. */
export function inputsFromBody(model: ServedModel, inputs: unknown, maxExamples: number): { x: Float32Array; n: number } {
  try {
    const parsed = examplesFromJson('body', { inputs }, { exampleSize: model.io.exampleSize, inputShape: model.io.inputShape, targetsOptional: true });
    checkCount(parsed.n, maxExamples);
    return { x: parsed.x, n: parsed.n };
  } catch (err) {
    if (err instanceof ExamplesError) throw badRequest(`${err.where}: ${err.reason}`);
    throw err;
  }
}
