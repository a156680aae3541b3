import type { ParamSet } from '../params';
import type { Rng } from '../rng/counter-rng';
import { glorotUniform } from './init';
import type { ModelLayout, ParamShape } from './model-layout';

export interface MlpOptions {
  inputs: number;
  hidden: number[];
  /** output width; 0 means no head (the last hidden layer is the output, e.g. an embedding) */
  outputs: number;
  activation: 'relu' | 'tanh';
}

/** One dense layer of an MLP: `dense{i}/kernel` [inputs, width] and `dense{i}/bias` [width]. */
export interface DenseLayer {
  name: string;
  inputs: number;
  width: number;
}

/** An MLP's layout, with the options and layers its forward pass is built from. */
export interface MlpLayout extends ModelLayout {
  readonly kind: 'mlp';
  readonly options: MlpOptions;
  readonly layers: DenseLayer[];
}

/** The layout of a fully connected network. */
export function mlpLayout(options: MlpOptions): MlpLayout {
  const widths = [options.inputs, ...options.hidden, ...(options.outputs > 0 ? [options.outputs] : [])];
  const layers = widths.slice(1).map((width, i) => ({ name: `dense${i}`, inputs: widths[i] ?? 0, width }));
  const params: ParamShape[] = layers.flatMap((l) => [
    { name: `${l.name}/kernel`, shape: [l.inputs, l.width] },
    { name: `${l.name}/bias`, shape: [l.width] },
  ]);
  const last = layers[layers.length - 1];
  if (!last) throw new Error('an MLP needs at least one layer');
  return {
    kind: 'mlp',
    options,
    layers,
    params,
    headNames: [`${last.name}/kernel`, `${last.name}/bias`],
    outputs: last.width,
    init(rng: Rng): ParamSet {
      return layers.flatMap((l) => [
        { name: `${l.name}/kernel`, shape: [l.inputs, l.width], values: glorotUniform(rng, l.inputs * l.width, l.inputs, l.width) },
        { name: `${l.name}/bias`, shape: [l.width], values: new Float32Array(l.width) },
      ]);
    },
  };
}
