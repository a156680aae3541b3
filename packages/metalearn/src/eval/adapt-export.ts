import { adaptExportBatch } from '../adapt/adapt-batch';
import type { AdaptExportOptions, AdaptExportResult } from '../adapt/adapt-types';
import type { LoadedExport } from '../export/read-export';
import type { AdaptQuery } from './adapt-input';
import type { Examples } from '@metatrain/core';

/**
 * Adapts an exported meta-model to one task and predicts its query examples: `steps` SGD
 * steps on the support loss (the training inner loop, on the parameters meta.json names),
 * or class prototypes for ProtoNets. Inputs and targets are in the data's own units; an
 * export trained on normalised csv data applies the same transform, and reports regression
 * predictions and losses back in the data's units.
 *
 * A batch of one of {@link adaptExportBatch}: `metatrain adapt`, the coordinator's Adapt RPC
 * and `metatrain serve` compute the same way.
 * @throws InputError naming the field that does not fit the model
 */
export function adaptExport(loaded: LoadedExport, support: Examples, query: AdaptQuery | undefined, options: AdaptExportOptions = {}): AdaptExportResult {
  const [outcome] = adaptExportBatch(loaded, [{ support, ...(query ? { query } : {}), options }]);
  if (!outcome) throw new Error('adaptExportBatch answered no outcome for one task');
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}
