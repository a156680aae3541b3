import type { ExportIo, LoadedExport } from '@metatrain/metalearn';

/** A model the service answers for: its export, read once, and what requests are checked against. */
export interface ServedModel {
  name: string;
  location: string;
  loaded: LoadedExport;
  io: ExportIo;
  /** the export's class names, which named targets refer to (SGD classification) */
  labels: string[] | undefined;
}

/** What `GET /v1/models` says of a model. */
export function describeModel(model: ServedModel): Record<string, unknown> {
  const { meta } = model.loaded;
  const learned = (meta.adaptation.learnedLrs?.length ?? 0) > 0;
  return {
    name: model.name,
    location: model.location,
    job: meta.job,
    algorithm: meta.algorithm,
    family: meta.task.family,
    kind: model.io.kind,
    inputShape: model.io.inputShape,
    outputs: model.io.outputs ?? null,
    labels: model.labels ?? null,
    adaptation: {
      method: meta.adaptation.method,
      steps: meta.adaptation.method === 'prototypes' ? 0 : meta.adaptation.steps,
      lr: meta.adaptation.method === 'prototypes' ? null : learned ? 'learned' : meta.adaptation.lr,
    },
    supportSize: meta.task.supportSize,
    roundsTrained: meta.roundsTrained,
  };
}
