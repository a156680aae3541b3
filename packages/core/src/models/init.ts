import type { Rng } from '../rng/counter-rng';

/** Glorot (Xavier) uniform: U[-l, l] with l = sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Rng, size: number, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

export function filled(size: number, value: number): Float32Array {
  return new Float32Array(size).fill(value);
}
