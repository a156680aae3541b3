import { describe, expect, it } from 'vitest';
import { ExamplesError } from './examples-error';
import type { RawExamples, RawTarget } from './parse-examples';
import { resolveTargets } from './resolve-targets';

const raw = (file: string, targets: RawTarget[] | undefined): RawExamples => ({
  file,
  n: targets?.length ?? 2,
  width: 1,
  x: new Float32Array(targets?.length ?? 2),
  ...(targets ? { targets } : {}),
  targetAt: (i) => `targets[${i}]`,
});

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExamplesError) return err.message;
    throw err;
  }
  throw new Error('expected an ExamplesError');
}

describe('resolveTargets', () => {
  it('gives regression targets as float32, one or several outputs per example', () => {
    const r = resolveTargets(raw('s', [1, 2.5]), raw('q', [3, 4]), { kind: 'regression', outputs: 1 });
    expect(r.support).toEqual(new Float32Array([1, 2.5]));
    expect(r.query).toEqual(new Float32Array([3, 4]));
    expect(resolveTargets(raw('s', [[1, 2], [3, 4]]), undefined, { kind: 'regression', outputs: 2 }).support).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(resolveTargets(raw('s', [1]), raw('q', undefined), { kind: 'regression', outputs: 1 }).query).toBeUndefined();
  });

  it('refuses class names and wrong widths for regression, naming the row', () => {
    expect(message(() => resolveTargets(raw('s.csv', [1, 'cat']), undefined, { kind: 'regression', outputs: 1 }))).toBe('s.csv: targets[1]: "cat" is not a number (the model does regression)');
    expect(message(() => resolveTargets(raw('s', [1]), raw('q.json', [[1, 2]]), { kind: 'regression', outputs: 1 }))).toBe('q.json: targets[0]: 2 value(s), but the model predicts 1 per example');
  });

  it('takes class indices as they are, checked against the classes', () => {
    const r = resolveTargets(raw('s', [0, 2, 1]), raw('q', [2]), { kind: 'classification', outputs: 3 });
    expect(r.support).toEqual(new Int32Array([0, 2, 1]));
    expect(r.classNames).toBeUndefined();
    expect(message(() => resolveTargets(raw('s', [0, 3]), undefined, { kind: 'classification', outputs: 3 }))).toBe('s: targets[1]: class 3 is out of range: the model has 3 classes (0 to 2)');
    expect(message(() => resolveTargets(raw('s', [0, 1.5]), undefined, { kind: 'classification', outputs: 3 }))).toBe('s: targets[1]: 1.5 is not a class index (0, 1, 2, …) or a class name');
  });

  it('maps class names in order of first appearance in the support set', () => {
    const r = resolveTargets(raw('s', ['dog', 'cat', 'dog', 1]), raw('q', ['cat', 1]), { kind: 'classification', outputs: undefined });
    expect(r.classNames).toEqual(['dog', 'cat', '1']);
    expect(r.support).toEqual(new Int32Array([0, 1, 0, 2]));
    expect(r.query).toEqual(new Int32Array([1, 2]));
    expect(message(() => resolveTargets(raw('s', ['dog', 'cat']), raw('q.csv', ['cow']), { kind: 'classification', outputs: undefined }))).toBe(
      'q.csv: targets[0]: "cow" is not a class of the support set (dog, cat)',
    );
    expect(message(() => resolveTargets(raw('s', ['a', 'b', 'c']), undefined, { kind: 'classification', outputs: 2 }))).toBe('s: targets[2]: "c" would be class 2, but the model has 2 classes');
  });

  it("maps class names to the export's labels when it has them", () => {
    const space = { kind: 'classification' as const, outputs: 3, labels: ['low', 'mid', 'high'] };
    expect(resolveTargets(raw('s', ['high', 'low']), undefined, space).support).toEqual(new Int32Array([2, 0]));
    expect(message(() => resolveTargets(raw('s', ['huge']), undefined, space))).toBe(`s: targets[0]: "huge" is not one of the model's classes (low, mid, high)`);
  });
});
