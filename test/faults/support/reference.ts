import type { Checkpoint } from '@metatrain/storage';
import { createComputeContext, runRoundInProcess, selectBackend } from '@metatrain/metalearn';
import { createTaskFamily, initialState, type MetaState, paramsEqual, parseSpecText } from '@metatrain/core';
import { expect } from 'vitest';

/**
 * The undisturbed result of `specText`: every round run in this process (the rounds `metatrain
 * train` runs), on the workers' backend. docs/ARCHITECTURE.md §9: a distributed run must end
 * with exactly these bits, whatever happened on the way.
 */
export async function referenceState(specText: string): Promise<MetaState> {
  await selectBackend({ prefer: 'wasm', log: () => undefined });
  const spec = parseSpecText(specText);
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
  let state = initialState(ctx);
  while (state.version < spec.outer.iterations) state = runRoundInProcess(ctx, state).state;
  return state;
}

/** The job's final checkpoint holds the reference's parameters and optimizer state, bit for bit. */
export function expectReferenceBits(final: Checkpoint, reference: MetaState): void {
  expect(final.version).toBe(reference.version);
  expect(paramsEqual(final.params, reference.params), 'parameters differ from the undisturbed run').toBe(true);
  expect(paramsEqual(final.optimizer, reference.optimizer.slots), 'optimizer state differs from the undisturbed run').toBe(true);
}
