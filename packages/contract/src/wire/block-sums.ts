import type { ParamSet } from '@metatrain/core';

// A shard's block sums on the wire (ReportHeader): one payload in which each parameter of the
// job's layout has a leading block axis, [blocks, ...shape], block b's values at position b.
// The payload codec and the chunks are the ones every tensor payload uses.

/**
 * The sums of a shard's blocks (each in the job's layout, in block order) as one payload's
 * parameters: each parameter stacked along a new leading axis.
 * @throws RangeError when there is no sum or the sums' layouts differ — a programming error.
 */
export function stackBlockSums(sums: readonly ParamSet[]): ParamSet {
  const first = sums[0];
  if (!first) throw new RangeError('a shard has at least one block sum');
  return first.map((p, i) => {
    const size = p.values.length;
    const values = new Float32Array(sums.length * size);
    sums.forEach((sum, b) => {
      const part = sum[i];
      if (!part || part.name !== p.name || part.values.length !== size) throw new RangeError(`block sum ${b} differs from block sum 0 at parameter ${i} (${JSON.stringify(p.name)})`);
      values.set(part.values, b * size);
    });
    return { name: p.name, shape: [sums.length, ...p.shape], values };
  });
}

/**
 * The inverse of {@link stackBlockSums}: `blocks` sums, each a view into the stacked arrays (no
 * copy). The stacked layout must have been checked first: every parameter with a leading axis
 * of `blocks`.
 */
export function unstackBlockSums(stacked: ParamSet, blocks: number): ParamSet[] {
  return Array.from({ length: blocks }, (_, b) =>
    stacked.map((p) => {
      const size = p.values.length / blocks;
      return { name: p.name, shape: p.shape.slice(1), values: p.values.subarray(b * size, (b + 1) * size) };
    }),
  );
}
