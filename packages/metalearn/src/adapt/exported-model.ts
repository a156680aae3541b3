import type { ExportMeta } from '../export/export-meta';
import type { LoadedExport } from '../export/read-export';
import { createModel } from '../models/create-model';
import type { FunctionalModel } from '../models/model';
import { createModelLayout, DecodeError, LEARNED_LR_PREFIX, type TaskFamily } from '@metatrain/core';

/** createModel wants a task family; from an export only its shapes are known. */
function shapeFamily(meta: ExportMeta): TaskFamily {
  return {
    family: meta.task.family,
    kind: meta.task.kind,
    inputShape: meta.input.shape,
    outputSize: meta.output.size,
    supportSize: meta.task.supportSize,
    querySize: meta.task.querySize,
    sample: () => {
      throw new Error(`an export's task family cannot sample tasks (${meta.task.family})`);
    },
    describe: () => ({ preprocessing: meta.input.preprocessing, source: meta.task.source }),
  };
}

/** The functional model of an export, checked against the parameters it carries. */
export function exportedModel(loaded: LoadedExport): FunctionalModel {
  const { meta } = loaded;
  const model = createModel(createModelLayout(meta.model, shapeFamily(meta), meta.adaptation.method !== 'prototypes'));
  const params = loaded.params.filter((p) => !p.name.startsWith(LEARNED_LR_PREFIX));
  const same = model.params.length === params.length && model.params.every((p, i) => p.name === params[i]?.name && p.shape.join() === params[i]?.shape.join());
  if (!same) throw new DecodeError(`export of ${meta.job}: its parameters do not match its model (${meta.model.kind})`);
  return model;
}
