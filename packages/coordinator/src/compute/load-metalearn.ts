import type { JobSetup } from '@metatrain/core';
import type { ModelExporter } from '@metatrain/job-loop';
import type * as Metalearn from '@metatrain/metalearn';

let loading: Promise<typeof Metalearn> | undefined;

/**
 * @metatrain/metalearn with a backend selected, loaded the first time the coordinator computes
 * something itself: the export at a job's end, an Adapt call. Rounds need none of it, so the
 * coordinator starts, and runs every round, without TensorFlow.js.
 */
export function loadMetalearn(log: (line: string) => void): Promise<typeof Metalearn> {
  return (loading ??= import('@metatrain/metalearn').then(async (metalearn) => {
    await metalearn.selectBackend({ log: (line) => log(`coordinator: ${line}`) });
    return metalearn;
  }));
}

/** The export of a job's parameters, computed here (batch-norm statistics need the model's forward pass). */
export function lazyExporter(log: (line: string) => void): (setup: JobSetup) => ModelExporter {
  return (setup) => async (params, info) => {
    const metalearn = await loadMetalearn(log);
    return metalearn.exportModel(metalearn.createComputeContext(setup.spec, setup.family), params, info);
  };
}
