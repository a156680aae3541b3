import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createComputeContext } from '../compute/compute-shard';
import { useTestBackend } from '../testing/tf-setup';
import { exportModel } from './export-model';
import { readExport } from './read-export';
import { createTaskFamily, initialMetaParams, paramsEqual } from '@metatrain/core';
import { OMNIGLOT_ZIPS, testSpec } from '@metatrain/core/testing';

beforeAll(() => useTestBackend());

async function exportAndLoad(spec: ReturnType<typeof testSpec>) {
  const ctx = createComputeContext(spec, createTaskFamily(spec.tasks));
  const params = initialMetaParams(ctx);
  const files = await exportModel(ctx, params, { rounds: 0, backend: 'wasm' });
  const file = (name: string) => files.get(name) as Uint8Array;
  const modelJson = JSON.parse(new TextDecoder().decode(file('model.json'))) as { modelTopology: object; weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }> };
  const weights = file('weights.bin');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }),
  );
  return { ctx, params, model, loaded: readExport({ modelJson: file('model.json'), weightsBin: weights, metaJson: file('meta.json') }) };
}

const omniglot = (algorithm: 'maml' | 'protonet') =>
  testSpec({ algorithm, model: { kind: 'conv4', channels: 4 }, tasks: { family: 'omniglot', path: OMNIGLOT_ZIPS.small1, ways: 5, shots: 1, queryShots: 1 } });

describe('exportModel', () => {
  it('exports conv4 as a LayersModel with batch-norm moving statistics, read back exactly', async () => {
    const { params, model, loaded } = await exportAndLoad(omniglot('maml'));
    expect((model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor).shape).toEqual([2, 5]);
    expect(model.weights.map((w) => w.name).filter((n) => n.includes('moving'))).toHaveLength(8);
    expect(paramsEqual(loaded.params, params)).toBe(true);
    expect(loaded.meta).toMatchObject({ batchNorm: 'task-statistics', output: { kind: 'logits', size: 5 }, input: { shape: [28, 28, 1], preprocessing: { ink: 1 } } });
    model.dispose();
  });

  it('exports a ProtoNet as an embedding network', async () => {
    const { model, loaded } = await exportAndLoad(omniglot('protonet'));
    expect((model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor).shape).toEqual([3, 4]);
    expect(loaded.meta.adaptation.method).toBe('prototypes');
    expect(loaded.meta.output.kind).toBe('embedding');
    model.dispose();
  });

  it("keeps Meta-SGD's learned inner learning rates", async () => {
    const { params, loaded, model } = await exportAndLoad(testSpec({ algorithm: 'metasgd' }));
    expect(loaded.params.map((p) => p.name)).toEqual(params.map((p) => p.name));
    expect(paramsEqual(loaded.params, params)).toBe(true);
    model.dispose();
  });
});
