import { describe, expect, it } from 'vitest';
import { specRefusals } from '../testing/catch-spec-error';
import { validateSpec } from '../spec/parse-spec';
import { initialOptimizerState, outerStep } from './outer-optimizer';
import { localStepsOf, roundOptimizer } from './local-steps';

const base = { name: 'local', algorithm: 'maml', model: { kind: 'mlp', hidden: [8] }, tasks: { family: 'sinusoid', shots: 5 } };
const input = (outer: Record<string, unknown>) => ({ ...base, outer: { lr: 0.001, metaBatchSize: 8, iterations: 10, ...outer } });
const spec = (outer: Record<string, unknown>) => validateSpec(input(outer));
const refusal = (outer: Record<string, unknown>): string => specRefusals(input(outer)).join('; ');

describe('outer.localSteps and outer.sync', () => {
  it('are off unless localSteps is set, and default to DiLoCo’s Nesterov step when it is', () => {
    expect(localStepsOf(spec({}))).toBeUndefined();
    expect(roundOptimizer(spec({ optimizer: 'sgd' }))).toBe('sgd');
    expect(localStepsOf(spec({ localSteps: 4 }))).toEqual({ steps: 4, sync: { optimizer: 'nesterov', lr: 0.7, momentum: 0.9 } });
    expect(localStepsOf(spec({ localSteps: 4, sync: { optimizer: 'sgd', lr: 1 } }))).toEqual({ steps: 4, sync: { optimizer: 'sgd', lr: 1, momentum: 0.9 } });
    expect(roundOptimizer(spec({ localSteps: 2 }))).toBe('nesterov');
  });

  it('refuse what cannot work, naming the field', () => {
    expect(refusal({ sync: { lr: 0.5 } })).toMatch(/^outer\.sync: .*set outer\.localSteps/);
    expect(refusal({ localSteps: 0 })).toMatch(/^outer\.localSteps: /);
    expect(refusal({ localSteps: 2.5 })).toMatch(/^outer\.localSteps: /);
    expect(refusal({ localSteps: 2, sync: { momentum: 1 } })).toMatch(/^outer\.sync\.momentum: /);
    expect(refusal({ localSteps: 2, sync: { optimizer: 'adam' } })).toMatch(/^outer\.sync\.optimizer: /);
  });
});

describe('the Nesterov step', () => {
  it('keeps a momentum buffer b ← μ·b + g and moves by lr · (g + μ·b)', () => {
    const params = [{ name: 'w', shape: [2], values: new Float32Array([1, -1]) }];
    const grad = (a: number, b: number) => [{ name: 'w', shape: [2], values: new Float32Array([a, b]) }];
    let state = initialOptimizerState('nesterov', params);
    expect(state.slots.map((s) => s.name)).toEqual(['b/w']);
    const first = outerStep(params, grad(1, 2), state, 0.5, 0.9);
    // b = g = (1, 2); update = g + 0.9 b = (1.9, 3.8)
    expect([...first.params[0]!.values]).toEqual([1 - 0.5 * 1.9, -1 - 0.5 * 3.8].map(Math.fround));
    state = first.state;
    const second = outerStep(first.params, grad(1, 0), state, 0.5, 0.9);
    // b = 0.9 (1, 2) + (1, 0) = (1.9, 1.8); update = (1 + 1.71, 1.62)
    expect([...second.state.slots[0]!.values]).toEqual([1.9, 1.8].map(Math.fround));
    expect(second.state.step).toBe(2);
    expect(second.params[0]!.values[1]).toBeCloseTo(first.params[0]!.values[1]! - 0.5 * 1.62, 6);
  });
});
