import type { ParamSet } from '../params';
import type { Rng } from '../rng/counter-rng';
import { filled, glorotUniform } from './init';
import type { ModelLayout, ParamShape } from './model-layout';

export interface Conv4Options {
  /** [height, width, channels] */
  inputShape: [number, number, number];
  channels: number;
  /** classifier width; 0 means no head (the flattened features are the embedding) */
  outputs: number;
}

/** Conv4's blocks: 4 × [3×3 conv, batch norm, ReLU, 2×2 max-pool]. */
export const CONV4_BLOCKS = 4;

/** A Conv4's layout, with the options and the feature width its forward pass is built from. */
export interface Conv4Layout extends ModelLayout {
  readonly kind: 'conv4';
  readonly options: Conv4Options;
  /** width of the flattened features after the last block */
  readonly features: number;
}

/** Spatial size after one 3×3 'same' conv and a 2×2 'valid' max-pool. */
function pooled(size: number): number {
  return Math.floor(size / 2);
}

/** The layout of the standard few-shot backbone, with an optional dense head. */
export function conv4Layout(options: Conv4Options): Conv4Layout {
  const [height, width, inChannels] = options.inputShape;
  let h = height;
  let w = width;
  const params: ParamShape[] = [];
  for (let b = 0; b < CONV4_BLOCKS; b++) {
    const cin = b === 0 ? inChannels : options.channels;
    params.push(
      { name: `conv${b}/kernel`, shape: [3, 3, cin, options.channels] },
      { name: `conv${b}/bias`, shape: [options.channels] },
      { name: `bn${b}/gamma`, shape: [options.channels] },
      { name: `bn${b}/beta`, shape: [options.channels] },
    );
    h = pooled(h);
    w = pooled(w);
  }
  const features = h * w * options.channels;
  if (features === 0) throw new Error(`conv4 needs inputs of at least 16×16, got ${height}×${width}`);
  const hasHead = options.outputs > 0;
  if (hasHead) {
    params.push({ name: 'dense/kernel', shape: [features, options.outputs] }, { name: 'dense/bias', shape: [options.outputs] });
  }
  return {
    kind: 'conv4',
    options,
    features,
    params,
    headNames: hasHead ? ['dense/kernel', 'dense/bias'] : [],
    outputs: hasHead ? options.outputs : features,
    init(rng: Rng): ParamSet {
      return params.map(({ name, shape }) => {
        const size = shape.reduce((a, c) => a * c, 1);
        let values: Float32Array;
        if (name.endsWith('/kernel') && shape.length === 4) {
          const [kh = 3, kw = 3, cin = 1, cout = 1] = shape;
          values = glorotUniform(rng, size, kh * kw * cin, kh * kw * cout);
        } else if (name.endsWith('/kernel')) {
          values = glorotUniform(rng, size, shape[0] ?? 1, shape[1] ?? 1);
        } else {
          values = filled(size, name.endsWith('/gamma') ? 1 : 0);
        }
        return { name, shape: [...shape], values };
      });
    },
  };
}
