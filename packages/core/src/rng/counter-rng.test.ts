import { describe, expect, it } from 'vitest';
import { Purpose, Rng } from './counter-rng';

describe('Rng', () => {
  it('is a pure function of its key', () => {
    const a = Rng.for(7, Purpose.TrainTask, 3, 11);
    const b = Rng.for(7, Purpose.TrainTask, 3, 11);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
  });

  it('gives different streams for neighbouring keys', () => {
    const first = (key: number[]) => new Rng(key).nextUint32();
    const seen = new Set([first([1, 2, 0, 0]), first([1, 2, 0, 1]), first([1, 2, 1, 0]), first([2, 2, 0, 0]), first([1, 3, 0, 0])]);
    expect(seen.size).toBe(5);
  });

  it('distinguishes large counters', () => {
    expect(new Rng([2 ** 40]).nextUint32()).not.toBe(new Rng([0]).nextUint32());
  });

  it('has sane uniform and normal moments', () => {
    const rng = new Rng([42]);
    const n = 20000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.05);
    const u = Array.from({ length: n }, () => rng.next());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });

  it('samples distinct indices', () => {
    const idx = new Rng([1]).sample(10, 10);
    expect(new Set(idx).size).toBe(10);
    expect(() => new Rng([1]).sample(3, 4)).toThrow(RangeError);
  });
});
