import type { JobSpec } from '@metatrain/core';

/** What a job's spec tells about the model's inputs and outputs before any export exists. */
export interface SpecIo {
  kind: 'regression' | 'classification';
  /** undefined when it depends on the data (csv without a features list) */
  inputShape: number[] | undefined;
  /** regression: values per example; classification: the head's classes (undefined for ProtoNets or when the data decides) */
  outputs: number | undefined;
}

/** The model's inputs and outputs as the spec fixes them (task families: sinusoid, omniglot, image-folder, csv). */
export function specIo(spec: JobSpec): SpecIo {
  const prototypes = spec.algorithm === 'protonet';
  const tasks = spec.tasks;
  switch (tasks.family) {
    case 'sinusoid':
      return { kind: 'regression', inputShape: [1], outputs: 1 };
    case 'omniglot':
      return { kind: 'classification', inputShape: [tasks.imageSize, tasks.imageSize, 1], outputs: prototypes ? undefined : tasks.ways };
    case 'image-folder':
      return { kind: 'classification', inputShape: [tasks.imageSize, tasks.imageSize, tasks.channels], outputs: prototypes ? undefined : tasks.ways };
    case 'csv':
      return { kind: tasks.kind, inputShape: tasks.features ? [tasks.features.length] : undefined, outputs: tasks.kind === 'regression' ? 1 : undefined };
  }
}
