import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { adaptationFor, type ComputeContext, createComputeContext, evaluateHeldOut, type HeldOutReport, runRoundInProcess, selectBackend } from '@metatrain/metalearn';
import { createTaskFamily, initialState, type JobSpec, meanCi95, type MetaState, validateSpec } from '@metatrain/core';

/** One measured row of docs/RESULTS.md. */
export interface QualityResult {
  key: string;
  algorithm: string;
  setting: string;
  iterations: number;
  evalTasks: number;
  report: HeldOutReport;
  seconds: number;
  backend: string;
  command: string;
  date: string;
}

export function flags(options: Record<string, { type: 'string' }>) {
  return parseArgs({ args: process.argv.slice(2), options, strict: true }).values as Record<string, string | undefined>;
}

/** Meta-trains a spec in this process, logging progress to stderr every `logEvery` rounds. */
export async function metaTrain(specInput: unknown, baseDir: string, logEvery = 1000): Promise<{ ctx: ComputeContext; state: MetaState; seconds: number; backend: string }> {
  const backend = await selectBackend({ log: (line) => process.stderr.write(`${line}\n`) });
  const spec: JobSpec = validateSpec(specInput);
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks, { baseDir }));
  let state = initialState(ctx);
  const started = performance.now();
  let window = 0;
  while (state.version < spec.outer.iterations) {
    const out = runRoundInProcess(ctx, state);
    state = out.state;
    window += out.summary.postLoss;
    if (state.version % logEvery === 0) {
      const elapsed = (performance.now() - started) / 1000;
      process.stderr.write(`${spec.name} round ${state.version}/${spec.outer.iterations} mean post-loss ${(window / logEvery).toFixed(4)} (${elapsed.toFixed(0)} s)\n`);
      window = 0;
    }
  }
  return { ctx, state, seconds: (performance.now() - started) / 1000, backend: backend.name };
}

/** Held-out evaluation with the adaptation the algorithm trained for (ANIL: head only; ProtoNets: prototypes). */
export function evaluate(ctx: ComputeContext, state: MetaState, tasks: number, family = ctx.family, model = ctx.model): HeldOutReport {
  return evaluateHeldOut({ model, family, params: state.params, adaptation: adaptationFor(ctx), tasks, seed: ctx.spec.seed, stream: 1 });
}

export function meanCi(values: number[]): { mean: number; ci95: number } {
  const { mean, ci95 } = meanCi95(values);
  return { mean, ci95 };
}

/** Merges one result into a JSON file of results keyed by `key`. */
export async function recordResult(path: string, result: QualityResult): Promise<void> {
  let all: Record<string, QualityResult> = {};
  try {
    all = JSON.parse(await readFile(path, 'utf8')) as Record<string, QualityResult>;
  } catch {
    // first result
  }
  all[result.key] = result;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(all, null, 2)}\n`);
}
