import { describe, expect, it } from 'vitest';
import { configForRound, multiStepLossWeights } from '../algorithms/algorithm-config';
import { specRefusals } from '../testing/catch-spec-error';
import { validateSpec } from '../spec/parse-spec';
import { outerLr } from './outer-optimizer';

// MAML++ (Antoniou et al. 2019): the outer lr along half a cosine, the multi-step loss, and the
// derivative order (first order for the first rounds, then second order).

const input = (fields: Record<string, unknown>) => ({ name: 'anneal', algorithm: 'maml', model: { kind: 'mlp', hidden: [8] }, tasks: { family: 'sinusoid', shots: 5 }, outer: { lr: 0.001, metaBatchSize: 8, iterations: 10 }, ...fields });
const spec = (fields: Record<string, unknown>) => validateSpec(input(fields));
const refusal = (fields: Record<string, unknown>): string => specRefusals(input(fields)).join('; ');

describe('outer.anneal: cosine', () => {
  it('starts at lr, is at half of it halfway and falls to 0', () => {
    expect(outerLr(0.002, 'cosine', 0, 100)).toBe(0.002);
    expect(outerLr(0.002, 'cosine', 50, 100)).toBeCloseTo(0.001, 12);
    expect(outerLr(0.002, 'cosine', 100, 100)).toBeCloseTo(0, 12);
    expect(outerLr(0.002, 'cosine', 25, 100)).toBeGreaterThan(outerLr(0.002, 'linear', 25, 100));
  });
});

describe('inner.firstOrderRounds', () => {
  const secondOrder = { mode: 'gradient' as const, adaptNames: ['w'], secondOrder: true, learnedLrs: false, innerSteps: 1, innerLr: 0.01 };

  it('makes the first N rounds first order and leaves the others second order', () => {
    const s = spec({ inner: { firstOrderRounds: 3 } });
    expect([0, 2, 3, 9].map((round) => configForRound(secondOrder, s, round).secondOrder)).toEqual([false, false, true, true]);
    expect(configForRound(secondOrder, spec({}), 0).secondOrder).toBe(true);
  });

  it('is refused where there is no second order to anneal to, naming the field', () => {
    expect(refusal({ inner: { firstOrder: true, firstOrderRounds: 3 } })).toMatch(/^inner\.firstOrderRounds: /);
    expect(refusal({ algorithm: 'reptile', inner: { firstOrderRounds: 3 } })).toMatch(/^inner\.firstOrderRounds: /);
    expect(refusal({ inner: { firstOrderRounds: 0 } })).toMatch(/^inner\.firstOrderRounds: /);
  });
});

describe('inner.multiStepLossRounds', () => {
  it('weighs every step alike at first and moves the weight to the last step over N rounds, always summing to 1', () => {
    expect(multiStepLossWeights(4, 0, 100)).toEqual([0.25, 0.25, 0.25, 0.25]);
    const halfway = multiStepLossWeights(4, 50, 100);
    expect(halfway[0]).toBeCloseTo(0.125, 12);
    expect(halfway[3]).toBeCloseTo(0.625, 12);
    expect(multiStepLossWeights(4, 100, 100)).toEqual(multiStepLossWeights(4, 5000, 100));
    expect(multiStepLossWeights(4, 5000, 100)[0]).toBeCloseTo(0.0075, 12);
    for (const round of [0, 10, 99, 100, 1e6]) expect(multiStepLossWeights(5, round, 100).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('reaches the config of the round, and is refused where there is one step or no query loss', () => {
    const s = spec({ inner: { steps: 2, multiStepLossRounds: 10 } });
    const gradient = { mode: 'gradient' as const, adaptNames: ['w'], secondOrder: true, learnedLrs: false, innerSteps: 2, innerLr: 0.01 };
    expect(configForRound(gradient, s, 0).stepLossWeights).toEqual([0.5, 0.5]);
    expect(configForRound(gradient, spec({}), 0).stepLossWeights).toBeUndefined();
    expect(refusal({ inner: { multiStepLossRounds: 10 } })).toMatch(/^inner\.multiStepLossRounds: .*inner\.steps of 2 or more/);
    expect(refusal({ algorithm: 'reptile', inner: { steps: 3, multiStepLossRounds: 10 } })).toMatch(/^inner\.multiStepLossRounds: /);
  });
});
