import type { ParamSet } from '../params';

/**
 * The mean outer gradient of a round: block sums added in block-index order, then divided by
 * the number of tasks. The order is fixed by the blocks, never by which shard held a block or
 * arrived first; the float32 rounding of every addition is part of the contract.
 */
export function reduceBlocks(blockSums: readonly ParamSet[], tasks: number): ParamSet {
  const first = blockSums[0];
  if (!first) throw new Error('a round needs at least one block');
  const total = first.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.values) }));
  for (const block of blockSums.slice(1)) {
    block.forEach((p, i) => {
      const acc = total[i]?.values;
      if (!acc || p.values.length !== acc.length) throw new Error(`block layout mismatch at ${p.name}`);
      for (let k = 0; k < acc.length; k++) acc[k] = (acc[k] as number) + (p.values[k] as number);
    });
  }
  for (const p of total) for (let k = 0; k < p.values.length; k++) p.values[k] = (p.values[k] as number) / tasks;
  return total;
}
