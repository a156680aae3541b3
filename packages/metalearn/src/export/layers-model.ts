import * as tf from '@tensorflow/tfjs';
import { type ModelSpec } from '@metatrain/core';

/**
 * The TensorFlow.js LayersModel equivalent of a functional model, so an export loads with
 * `tf.loadLayersModel`. Weights are set in `model.weights` order, which for these layers is
 * the functional model's parameter order (conv: kernel, bias; batch norm: gamma, beta,
 * moving mean, moving variance; dense: kernel, bias).
 */
export function buildLayersModel(spec: ModelSpec, inputShape: number[], outputs: number): tf.Sequential {
  const model = tf.sequential();
  if (spec.kind === 'mlp') {
    const inputs = inputShape.reduce((a, b) => a * b, 1);
    if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape }));
    spec.hidden.forEach((units, i) => {
      model.add(tf.layers.dense({ units, activation: spec.activation, ...(i === 0 && inputShape.length === 1 ? { inputShape: [inputs] } : {}) }));
    });
    if (outputs > 0) model.add(tf.layers.dense({ units: outputs, ...(spec.hidden.length === 0 ? { inputShape: [inputs] } : {}) }));
    return model;
  }
  for (let b = 0; b < 4; b++) {
    model.add(tf.layers.conv2d({ filters: spec.channels, kernelSize: 3, padding: 'same', ...(b === 0 ? { inputShape } : {}) }));
    model.add(tf.layers.batchNormalization({ axis: -1, epsilon: 1e-3 }));
    model.add(tf.layers.activation({ activation: 'relu' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' }));
  }
  model.add(tf.layers.flatten());
  if (outputs > 0) model.add(tf.layers.dense({ units: outputs }));
  return model;
}

/** model.json and weights.bin bytes of a LayersModel, as `tf.io` would write them. */
export async function layersModelArtifacts(model: tf.LayersModel): Promise<{ modelJson: Uint8Array; weightsBin: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured?.weightData || !captured.weightSpecs) throw new Error('LayersModel save produced no weights');
  const data = captured.weightData;
  const weightsBin = Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: captured.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: captured.weightSpecs }],
  };
  return { modelJson: new TextEncoder().encode(JSON.stringify(modelJson)), weightsBin: new Uint8Array(weightsBin) };
}
