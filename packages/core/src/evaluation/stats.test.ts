import { describe, expect, it } from 'vitest';
import { accuracy, macroF1, meanCi95 } from './stats';

describe('meanCi95', () => {
  it('uses the n − 1 standard deviation', () => {
    // mean 5, Σ(x − 5)² = 32, sd = √(32/7) = 2.138..., ci95 = 1.96 · sd / √8
    const { mean, ci95, n } = meanCi95([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(n).toBe(8);
    expect(mean).toBe(5);
    expect(ci95).toBeCloseTo((1.96 * Math.sqrt(32 / 7)) / Math.sqrt(8), 12);
    expect(ci95).toBeCloseTo(1.48162, 5);
  });

  it('is exact for constant values and stable for large offsets', () => {
    expect(meanCi95([3, 3, 3])).toEqual({ mean: 3, ci95: 0, n: 3 });
    const shifted = meanCi95([1e9 + 1, 1e9 + 2, 1e9 + 3]);
    expect(shifted.mean).toBe(1e9 + 2);
    expect(shifted.ci95).toBeCloseTo(1.96 / Math.sqrt(3), 9);
  });

  it('reports an unknown interval for fewer than two values', () => {
    expect(meanCi95([])).toEqual({ mean: NaN, ci95: NaN, n: 0 });
    expect(meanCi95([0.7])).toEqual({ mean: 0.7, ci95: NaN, n: 1 });
  });
});

describe('accuracy', () => {
  it('counts exact matches', () => {
    expect(accuracy([0, 1, 2, 2], Int32Array.from([0, 1, 1, 2]))).toBe(0.75);
    expect(accuracy([], [])).toBeNaN();
    expect(() => accuracy([0], [0, 1])).toThrow(/1 predictions for 2 labels/);
  });
});

describe('macroF1', () => {
  it('averages per-class F1 (checked against scikit-learn f1_score average="macro")', () => {
    // sklearn: f1_score([0,1,2,0,1,2], [0,2,1,0,0,1], average='macro') = 0.26666666666666666
    expect(macroF1([0, 2, 1, 0, 0, 1], [0, 1, 2, 0, 1, 2], 3)).toBeCloseTo(0.26666666666666666, 15);
    // class 0: P=1/2 R=1 F1=2/3; class 1: P=1 R=1/2 F1=2/3 → 2/3
    expect(macroF1([0, 0, 1], [0, 1, 1], 2)).toBeCloseTo(2 / 3, 15);
    expect(macroF1([1, 0, 2], [1, 0, 2], 3)).toBe(1);
  });

  it('leaves out classes that neither occur nor are predicted', () => {
    expect(macroF1([0, 0, 1], [0, 1, 1], 10)).toBeCloseTo(2 / 3, 15);
    // a predicted class with no support counts, with F1 = 0
    expect(macroF1([0, 2], [0, 1], 3)).toBeCloseTo(1 / 3, 15);
  });

  it('rejects labels outside [0, classes)', () => {
    expect(() => macroF1([0, 3], [0, 1], 3)).toThrow(/predicted\[1\] = 3/);
    expect(() => macroF1([0, 1], [0, 0.5], 3)).toThrow(/actual\[1\] = 0.5/);
    expect(macroF1([], [], 3)).toBeNaN();
  });
});
