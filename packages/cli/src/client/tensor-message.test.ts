import { DecodeError } from '@metatrain/core';
import { DataType } from '@metatrain/contract';
import { describe, expect, it } from 'vitest';
import { fromTensor, toTensor } from './tensor-message';

describe('tensor messages', () => {
  it('sends float32 and int32 arrays as little-endian bytes with their dtype, and reads them back', () => {
    const floats = toTensor(new Float32Array([1, -0.5]), [2, 1]);
    expect(floats).toMatchObject({ shape: [2, 1], dtype: DataType.FLOAT32 });
    expect(Array.from(floats.data.slice(0, 4))).toEqual([0, 0, 0x80, 0x3f]);
    expect(fromTensor(floats, 'x')).toEqual(new Float32Array([1, -0.5]));
    const labels = toTensor(new Int32Array([3, 0, 1]), [3]);
    expect(labels.dtype).toBe(DataType.INT32);
    expect(fromTensor(labels, 'y')).toEqual(new Int32Array([3, 0, 1]));
  });

  it('refuses data that does not fill the shape, or an unknown dtype', () => {
    expect(() => fromTensor({ shape: [3], dtype: DataType.FLOAT32, data: new Uint8Array(8) }, 'predictions')).toThrow(new DecodeError('predictions: 8 bytes for shape [3]'));
    expect(() => fromTensor({ shape: [1], dtype: DataType.UNSPECIFIED, data: new Uint8Array(4) }, 'p')).toThrow('p: unknown dtype 0');
  });
});
