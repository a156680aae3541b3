import type { ParamSet, ParamShape } from '@metatrain/core';

/**
 * Parameters with pseudo-random bit patterns: every finite float32 is possible, including -0
 * and subnormals, so a transfer that goes through a JS number or rounds anything shows up.
 */
export function randomParams(layout: readonly ParamShape[], seed = 1): ParamSet {
  let state = seed >>> 0 || 1;
  return layout.map((p) => {
    const words = new Uint32Array(p.shape.reduce((a, b) => a * b, 1));
    for (let k = 0; k < words.length; k++) {
      // xorshift32: cheap, deterministic, good enough to vary every bit.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      // An all-ones exponent is NaN or Infinity, which parameters never hold: clear one bit of it.
      words[k] = (state & 0x7f800000) === 0x7f800000 ? state & ~0x00800000 : state;
    }
    return { name: p.name, shape: [...p.shape], values: new Float32Array(words.buffer) };
  });
}
