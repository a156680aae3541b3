import { adaptExport, exportIo, selectBackend } from '@metatrain/metalearn';
import { InputError, resolveTargets } from '@metatrain/core';
import { readExportDir } from '../run/read-export-dir';
import type { AdaptOutcome } from './adapt-outcome';
import { asUsageFailure, fileError, readExamplesFile } from './examples-file';

/** The support and query files of an adaptation, and the overrides of the export's inner loop. */
export interface AdaptInputs {
  supportFile: string;
  queryFile: string;
  steps?: number;
  lr?: number;
}

/** `metatrain adapt <exportDir>`: adapts the export in this process. */
export async function adaptLocally(dir: string, inputs: AdaptInputs, log: (line: string) => void): Promise<AdaptOutcome> {
  const loaded = await readExportDir(dir);
  const { meta } = loaded;
  const io = exportIo(meta);
  const shape = { exampleSize: io.exampleSize, inputShape: io.inputShape };
  const support = await readExamplesFile(inputs.supportFile, { ...shape, targetsOptional: false });
  const query = await readExamplesFile(inputs.queryFile, { ...shape, targetsOptional: true, ...(support.features ? { supportFeatures: support.features } : {}) });
  const labels = meta.adaptation.method === 'sgd' ? meta.output.labels : undefined;
  let targets;
  try {
    targets = resolveTargets(support, query, { kind: io.kind, outputs: io.outputs, ...(labels ? { labels } : {}) });
  } catch (err) {
    throw asUsageFailure(err);
  }
  await selectBackend({ log });
  let result;
  try {
    result = adaptExport(
      loaded,
      { x: support.x, y: targets.support, n: support.n },
      { x: query.x, n: query.n, ...(targets.query ? { y: targets.query } : {}) },
      { ...(inputs.steps === undefined ? {} : { steps: inputs.steps }), ...(inputs.lr === undefined ? {} : { lr: inputs.lr }) },
    );
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const file = err.field.startsWith('query') ? query.file : err.field.startsWith('support') ? support.file : `--${err.field}`;
    throw fileError(file, '', err.reason);
  }
  return {
    model: dir,
    algorithm: meta.algorithm,
    family: meta.task.family,
    kind: io.kind,
    method: result.method,
    steps: result.steps,
    lr: result.lr,
    supportExamples: support.n,
    queryExamples: query.n,
    supportLosses: result.supportLosses,
    ...(result.queryLossBefore === undefined ? {} : { queryLossBefore: result.queryLossBefore }),
    ...(result.queryLossAfter === undefined ? {} : { queryLossAfter: result.queryLossAfter }),
    ...(result.queryAccuracyBefore === undefined ? {} : { queryAccuracyBefore: result.queryAccuracyBefore }),
    ...(result.queryAccuracyAfter === undefined ? {} : { queryAccuracyAfter: result.queryAccuracyAfter }),
    predictions: result.predictions,
    width: result.predictionWidth,
    ...(targets.classNames ? { classNames: targets.classNames } : {}),
  };
}
