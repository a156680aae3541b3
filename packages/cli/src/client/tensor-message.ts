import { bytesLEToFloat32, bytesLEToInt32, DecodeError, wordsToBytesLE } from '@metatrain/core';
import { DataType, type Tensor } from '@metatrain/contract';

/** A tensor.proto Tensor: shape, FLOAT32 or INT32 by the array's type, little-endian bytes. */
export function toTensor(values: Float32Array | Int32Array, shape: number[]): Tensor {
  return { shape, dtype: values instanceof Int32Array ? DataType.INT32 : DataType.FLOAT32, data: wordsToBytesLE(values) };
}

/** The values of a FLOAT32 or INT32 Tensor, checked against its shape. @throws DecodeError naming `what` */
export function fromTensor(tensor: Tensor, what: string): Float32Array | Int32Array {
  const size = tensor.shape.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== size * 4) throw new DecodeError(`${what}: ${tensor.data.length} bytes for shape [${tensor.shape.join(', ')}]`);
  if (tensor.dtype === DataType.FLOAT32) return bytesLEToFloat32(tensor.data, what);
  if (tensor.dtype === DataType.INT32) return bytesLEToInt32(tensor.data, what);
  throw new DecodeError(`${what}: unknown dtype ${tensor.dtype}`);
}
