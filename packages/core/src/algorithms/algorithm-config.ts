import type { ModelLayout } from '../models/model-layout';
import type { JobSpec } from '../spec/schema';

/** How a shard's tasks turn into a summed outer gradient: the algorithm, reduced to its knobs. */
export interface AlgorithmConfig {
  /**
   * gradient: MAML, FOMAML, Meta-SGD, ANIL — sum of ∇θ L_query(adapted).
   * reptile: sum of (θ − φ) after the inner loop.
   * protonet: sum of ∇θ of the prototypical loss (no inner loop).
   * pretrain: sum of ∇θ of the plain loss on support and query (the non-meta baseline).
   */
  mode: 'gradient' | 'reptile' | 'protonet' | 'pretrain';
  /** parameters the inner loop adapts */
  adaptNames: string[];
  /** differentiate through the inner loop (second-order MAML) */
  secondOrder: boolean;
  /** Meta-SGD: meta-learned per-parameter inner learning rates, named `lr/<param>` */
  learnedLrs: boolean;
  innerSteps: number;
  innerLr: number;
  /** Multi-step loss: the weight of the query loss after each inner step (absent: the last step's alone). */
  stepLossWeights?: number[];
}

export const LEARNED_LR_PREFIX = 'lr/';

export function algorithmConfig(spec: JobSpec, model: ModelLayout): AlgorithmConfig {
  const all = model.params.map((p) => p.name);
  const base = { innerSteps: spec.inner.steps, innerLr: spec.inner.lr, learnedLrs: false };
  switch (spec.algorithm) {
    case 'maml':
      return { ...base, mode: 'gradient', adaptNames: all, secondOrder: !spec.inner.firstOrder };
    case 'fomaml':
      return { ...base, mode: 'gradient', adaptNames: all, secondOrder: false };
    case 'metasgd':
      return { ...base, mode: 'gradient', adaptNames: all, secondOrder: !spec.inner.firstOrder, learnedLrs: true };
    case 'anil':
      return { ...base, mode: 'gradient', adaptNames: model.headNames, secondOrder: !spec.inner.firstOrder };
    case 'reptile':
      return { ...base, mode: 'reptile', adaptNames: all, secondOrder: false };
    case 'protonet':
      return { ...base, mode: 'protonet', adaptNames: [], secondOrder: false };
    case 'pretrain':
      return { ...base, mode: 'pretrain', adaptNames: all, secondOrder: false };
  }
}

/**
 * The config of round `round`, with MAML++'s annealings: second-order MAML takes the first-order
 * gradient in its first `inner.firstOrderRounds` rounds, and the multi-step loss's weights of
 * round `round` (`inner.multiStepLossRounds`).
 */
export function configForRound(config: AlgorithmConfig, spec: Pick<JobSpec, 'inner'>, round: number): AlgorithmConfig {
  const { firstOrderRounds = 0, multiStepLossRounds } = spec.inner;
  const secondOrder = config.secondOrder && round >= firstOrderRounds;
  const stepLossWeights = multiStepLossRounds === undefined ? undefined : multiStepLossWeights(config.innerSteps, round, multiStepLossRounds);
  return secondOrder === config.secondOrder && stepLossWeights === undefined ? config : { ...config, secondOrder, ...(stepLossWeights ? { stepLossWeights } : {}) };
}

/**
 * The multi-step loss's weights of round `round` (Antoniou et al. 2019, as their code does it):
 * 1/K each at first; every step but the last falls linearly over `rounds` rounds to a floor of
 * 0.03/K, and the last step takes the rest, so the weights always sum to 1.
 */
export function multiStepLossWeights(steps: number, round: number, rounds: number): number[] {
  const earlier = Math.max((1 / steps) * (1 - round / rounds), 0.03 / steps);
  const weights = Array.from({ length: steps - 1 }, () => earlier);
  return [...weights, 1 - earlier * (steps - 1)];
}
