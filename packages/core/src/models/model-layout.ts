import type { ParamSet } from '../params';
import type { Rng } from '../rng/counter-rng';

/** A parameter's name and shape. */
export interface ParamShape {
  name: string;
  shape: number[];
}

/**
 * A model without its computation: what the coordinator, the checkpoints and the codec need
 * to know of it. The forward pass (TensorFlow.js) is added by @metatrain/metalearn.
 */
export interface ModelLayout {
  /** parameter names and shapes, in the canonical order (reduction, codec, export) */
  readonly params: ParamShape[];
  /** parameters of the final layer; ANIL adapts only these */
  readonly headNames: string[];
  /** width of one example's output (embedding width when the model has no head) */
  readonly outputs: number;
  /** deterministic initialisation */
  init(rng: Rng): ParamSet;
}
