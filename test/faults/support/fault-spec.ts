/** What varies between the scenarios' jobs. */
export interface FaultSpecOptions {
  name: string;
  /** @default maml */
  algorithm?: string;
  iterations: number;
  seed: number;
  /** @default 8: four blocks of two tasks */
  metaBatchSize?: number;
  /** Blocks per shard, or auto. @default 1: one block a shard, so a round has as many shards as blocks */
  shardSize?: number | 'auto';
  /** @default every `iterations` rounds (the final one) */
  checkpointEvery?: number;
  /** @default 2 */
  keep?: number;
}

/**
 * The job every scenario trains: second-order MAML (unless told otherwise) on sinusoids with a 16-16 MLP, two tasks
 * a block, one block a shard unless told otherwise. Small, so that a round costs milliseconds
 * and a test's time goes to the damage.
 */
export function faultSpec(options: FaultSpecOptions): string {
  return `name: ${options.name}
algorithm: ${options.algorithm ?? 'maml'}
model: { kind: mlp, hidden: [16, 16] }
tasks: { family: sinusoid, shots: 5, queryShots: 5 }
inner: { steps: 1, lr: 0.01 }
outer: { lr: 0.003, metaBatchSize: ${options.metaBatchSize ?? 8}, iterations: ${options.iterations} }
blockSize: 2
shardSize: ${options.shardSize ?? 1}
checkpoint: { everyRounds: ${options.checkpointEvery ?? options.iterations}, keep: ${options.keep ?? 2} }
seed: ${options.seed}
`;
}
