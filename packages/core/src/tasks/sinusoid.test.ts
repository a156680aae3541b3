import { describe, expect, it } from 'vitest';
import { Purpose, Rng } from '../rng/counter-rng';
import { createSinusoidFamily, sampleSinusoid } from './sinusoid';

const family = createSinusoidFamily({ family: 'sinusoid', shots: 5, queryShots: 10 });

function bytes(a: Float32Array | Int32Array): number[] {
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

describe('sinusoid family', () => {
  it('has the shapes of the spec', () => {
    expect(family.kind).toBe('regression');
    expect(family.inputShape).toEqual([1]);
    expect(family.outputSize).toBe(1);
    const task = family.sample(Rng.for(1, Purpose.TrainTask, 0, 0), 'train');
    expect(task.support.n).toBe(5);
    expect(task.support.x).toHaveLength(5);
    expect(task.support.y).toHaveLength(5);
    expect(task.query.n).toBe(10);
    expect(task.query.y).toBeInstanceOf(Float32Array);
  });

  it('is a pure function of the Rng key, bit for bit', () => {
    const a = family.sample(Rng.for(3, Purpose.TrainTask, 17, 4), 'train');
    const b = family.sample(Rng.for(3, Purpose.TrainTask, 17, 4), 'train');
    expect(bytes(b.support.x)).toEqual(bytes(a.support.x));
    expect(bytes(b.support.y)).toEqual(bytes(a.support.y));
    expect(bytes(b.query.x)).toEqual(bytes(a.query.x));
    expect(bytes(b.query.y)).toEqual(bytes(a.query.y));
    const c = family.sample(Rng.for(3, Purpose.TrainTask, 17, 5), 'train');
    expect(bytes(c.support.x)).not.toEqual(bytes(a.support.x));
  });

  it('draws amplitude, phase and x from the published ranges', () => {
    const n = 4000;
    let ampSum = 0;
    let phaseSum = 0;
    let xSum = 0;
    let xCount = 0;
    let maxAbsX = 0;
    let maxYError = 0;
    for (let i = 0; i < n; i++) {
      const t = sampleSinusoid(Rng.for(0, Purpose.TrainTask, 0, i), 5, 10);
      const { amplitude, phase } = t.params;
      expect(amplitude).toBeGreaterThanOrEqual(0.1);
      expect(amplitude).toBeLessThan(5);
      expect(phase).toBeGreaterThanOrEqual(0);
      expect(phase).toBeLessThan(Math.PI);
      ampSum += amplitude;
      phaseSum += phase;
      for (const side of [t.support, t.query]) {
        for (let j = 0; j < side.n; j++) {
          const x = side.x[j] as number;
          const y = side.y[j] as number;
          maxAbsX = Math.max(maxAbsX, Math.abs(x));
          maxYError = Math.max(maxYError, Math.abs(y - amplitude * Math.sin(x - phase)));
          xSum += x;
          xCount++;
        }
      }
    }
    expect(maxAbsX).toBeLessThanOrEqual(5);
    expect(maxAbsX).toBeGreaterThan(4.9);
    expect(maxYError).toBeLessThan(1e-5);
    // Means of U[0.1, 5], U[0, π], U[−5, 5]; tolerances are ~5 standard errors.
    expect(Math.abs(ampSum / n - 2.55)).toBeLessThan(0.1);
    expect(Math.abs(phaseSum / n - Math.PI / 2)).toBeLessThan(0.07);
    expect(Math.abs(xSum / xCount)).toBeLessThan(0.1);
  });

  it('uses the same distribution for the test split', () => {
    const key = () => Rng.for(2, Purpose.EvalTask, 0, 9);
    expect(bytes(family.sample(key(), 'test').query.y)).toEqual(bytes(family.sample(key(), 'train').query.y));
  });
});
