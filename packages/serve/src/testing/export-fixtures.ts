import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTaskFamily, initialState, type JobSpec, validateSpec } from '@metatrain/core';
import { OMNIGLOT_ZIPS } from '@metatrain/core/testing';
import { createComputeContext, exportModel, runRoundInProcess, selectBackend } from '@metatrain/metalearn';

/** A sinusoid MAML spec like examples/sinusoid-maml.yaml, small enough to train in a test. */
export const SINE_SPEC = validateSpec({
  name: 'sine',
  algorithm: 'maml',
  model: { kind: 'mlp', hidden: [40, 40] },
  tasks: { family: 'sinusoid', shots: 5, queryShots: 10 },
  inner: { steps: 1, lr: 0.01 },
  outer: { lr: 0.001, metaBatchSize: 8, iterations: 20 },
  seed: 3,
});

/** A Conv4 ProtoNets spec on the small Omniglot fixture: 5-way 1-shot. */
export const PROTONET_SPEC = validateSpec({
  name: 'omni',
  algorithm: 'protonet',
  model: { kind: 'conv4', channels: 32 },
  tasks: { family: 'omniglot', path: OMNIGLOT_ZIPS.small1, ways: 5, shots: 1, queryShots: 1 },
  outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 },
  seed: 3,
});

/**
 * Trains `spec` in this process (`rounds` rounds, default its iterations) and writes its
 * export to `<dir>/<spec.name>/export/`, as `metatrain train --out <dir>/<name>` would.
 * Returns the run directory.
 */
export async function writeTrainedExport(dir: string, spec: JobSpec, rounds = spec.outer.iterations): Promise<string> {
  await selectBackend({ log: () => undefined });
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
  let state = initialState(ctx);
  for (let r = 0; r < rounds; r++) state = runRoundInProcess(ctx, state).state;
  const files = await exportModel(ctx, state.params, { rounds, backend: 'wasm' });
  const runDir = join(dir, spec.name);
  await mkdir(join(runDir, 'export'), { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(runDir, 'export', name), bytes);
  return runDir;
}
