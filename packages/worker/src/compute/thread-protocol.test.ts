import { describe, expect, it } from 'vitest';
import { transferable } from './thread-protocol';

describe('transferable', () => {
  it('transfers arrays that own their buffer and copies views into shared ones', () => {
    const own = new Float32Array([1, 2]);
    const shared = new Float32Array([3, 4, 5]);
    const view = shared.subarray(0, 2); // part of a buffer something else still uses
    const { params, transfer } = transferable([
      { name: 'a', shape: [2], values: own },
      { name: 'b', shape: [2], values: view },
      { name: 'c', shape: [2], values: own }, // the same buffer twice cannot be transferred twice
    ]);
    expect(params[0]?.values).toBe(own);
    expect(params[1]?.values).not.toBe(view);
    expect(params[1]?.values).toEqual(new Float32Array([3, 4]));
    expect(params[2]?.values).not.toBe(own);
    expect(new Set(transfer).size).toBe(3);
    // Transferring really moves them, and leaves the shared buffer alone.
    structuredClone(params, { transfer });
    expect(own.byteLength).toBe(0);
    expect(view.byteLength).toBe(8);
  });
});
