import type { ExportMeta } from './export-meta';
import { DecodeError, LEARNED_LR_PREFIX, type ParamSet, sizeOf } from '@metatrain/core';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

export interface LoadedExport {
  meta: ExportMeta;
  /** functional parameters (and Meta-SGD's `lr/…`), ready for adaptation */
  params: ParamSet;
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new DecodeError(`${file} is not valid JSON`);
  }
}

function weightSpecs(modelJson: unknown): WeightSpec[] {
  const manifest = (modelJson as { weightsManifest?: Array<{ weights?: WeightSpec[] }> }).weightsManifest;
  if (!Array.isArray(manifest)) throw new DecodeError('model.json has no weightsManifest');
  return manifest.flatMap((group) => group.weights ?? []);
}

/** Reads an export (model.json, weights.bin, meta.json) back into functional parameters. */
export function readExport(files: { modelJson: Uint8Array; weightsBin: Uint8Array; metaJson: Uint8Array }): LoadedExport {
  const meta = parseJson(files.metaJson, 'meta.json') as ExportMeta;
  if (meta.format !== 'metatrain-export/v1') throw new DecodeError(`meta.json: unknown format ${String(meta.format)}`);
  const specs = weightSpecs(parseJson(files.modelJson, 'model.json'));
  const view = new DataView(files.weightsBin.buffer, files.weightsBin.byteOffset, files.weightsBin.byteLength);
  const params: ParamSet = [];
  let offset = 0;
  let next = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32') throw new DecodeError(`weights.bin: ${spec.name} has dtype ${spec.dtype}, expected float32`);
    const size = sizeOf(spec.shape);
    if (offset + size * 4 > view.byteLength) throw new DecodeError(`weights.bin is shorter than model.json says (${spec.name})`);
    const values = new Float32Array(size);
    for (let k = 0; k < size; k++) values[k] = view.getFloat32(offset + 4 * k, true);
    offset += size * 4;
    if (/moving_(mean|variance)$/.test(spec.name)) continue;
    const param = meta.parameters[next++];
    if (!param || sizeOf(param.shape) !== size) throw new DecodeError(`weights.bin: ${spec.name} does not match meta.json parameters`);
    params.push({ name: param.name, shape: [...param.shape], values });
  }
  if (next !== meta.parameters.length) throw new DecodeError(`weights.bin holds ${next} parameters, meta.json lists ${meta.parameters.length}`);
  for (const lr of meta.adaptation.learnedLrs ?? []) {
    const bytes = Buffer.from(lr.float32Base64, 'base64');
    if (bytes.length !== sizeOf(lr.shape) * 4) throw new DecodeError(`meta.json: learned lr of ${lr.name} has the wrong size`);
    const values = new Float32Array(sizeOf(lr.shape));
    for (let k = 0; k < values.length; k++) values[k] = bytes.readFloatLE(4 * k);
    params.push({ name: LEARNED_LR_PREFIX + lr.name, shape: [...lr.shape], values });
  }
  return { meta, params };
}
