import { createHash } from 'node:crypto';
import { DecodeError } from '../errors';
import type { NamedArray, ParamSet } from '../params';
import { readFloat32LE, writeFloat32LE } from './little-endian';

/** Element types of the wire format (`metatrain.v1.DataType`). A ParamSet holds float32 only. */
export type TensorDType = 'float32' | 'int32';

/** One array of a payload: its bytes follow the previous entry's, product(shape) * 4 of them. */
export interface LayoutEntry {
  name: string;
  shape: number[];
  dtype: TensorDType;
}

/** A ParamSet as it travels and is stored: layout + raw little-endian bytes + sha256. */
export interface EncodedParams {
  layout: LayoutEntry[];
  bytes: Uint8Array;
  /** Lower-case hex SHA-256 of `bytes`. */
  checksum: string;
}

const BYTES_PER_ELEMENT = 4;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Lower-case hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Encodes parameters as their float32 values, little-endian, concatenated in order. The
 * result owns fresh memory: later changes to `params` do not show in it.
 *
 * @throws RangeError when the set cannot be decoded again (empty or duplicate name, bad
 *   dimension, values that do not fill the shape) — a programming error, not bad input.
 */
export function encodeParams(params: ParamSet): EncodedParams {
  const names = new Set<string>();
  let total = 0;
  for (const p of params) {
    const problem = shapeProblem(p.shape) ?? (p.name === '' ? 'empty name' : undefined);
    if (problem) throw new RangeError(`cannot encode parameter "${p.name}": ${problem}`);
    if (names.has(p.name)) throw new RangeError(`cannot encode parameters: duplicate name "${p.name}"`);
    names.add(p.name);
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (p.values.length !== size) {
      throw new RangeError(`cannot encode parameter "${p.name}": ${p.values.length} values for shape [${p.shape.join(', ')}]`);
    }
    total += size;
  }

  const bytes = new Uint8Array(total * BYTES_PER_ELEMENT);
  let offset = 0;
  for (const p of params) {
    writeFloat32LE(p.values, bytes, offset);
    offset += p.values.byteLength;
  }
  const layout = params.map((p): LayoutEntry => ({ name: p.name, shape: [...p.shape], dtype: 'float32' }));
  return { layout, bytes, checksum: sha256Hex(bytes) };
}

/**
 * Decodes bytes produced by {@link encodeParams}. Everything is validated, since layout and
 * bytes come from the network or from storage; the result is a copy and never shares memory
 * with `bytes`.
 *
 * @param checksum expected lower-case hex SHA-256 of `bytes`; skipped when undefined (an empty
 *   string is not "no checksum", it is a bad one).
 * @throws DecodeError on a malformed layout (not an array, empty or duplicate name, negative or
 *   non-integer dimension, unknown or non-float32 dtype), a byte length that does not match
 *   the layout, or a checksum mismatch.
 */
export function decodeParams(layout: readonly LayoutEntry[], bytes: Uint8Array, checksum?: string): ParamSet {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('tensor bytes: not a byte array');
  const entries = checkLayout(layout, bytes.length);
  const expectedBytes = entries.reduce((n, e) => n + e.count, 0) * BYTES_PER_ELEMENT;
  if (bytes.length !== expectedBytes) {
    throw new DecodeError(`tensor bytes: got ${bytes.length} bytes, layout needs ${expectedBytes}`);
  }
  if (checksum !== undefined) {
    if (typeof checksum !== 'string' || !SHA256_HEX.test(checksum.toLowerCase())) {
      throw new DecodeError(`checksum: ${describe(checksum)} is not a hex sha256 digest`);
    }
    const actual = sha256Hex(bytes);
    if (actual !== checksum.toLowerCase()) {
      throw new DecodeError(`checksum: mismatch, expected ${checksum.toLowerCase()}, bytes hash to ${actual}`);
    }
  }

  let offset = 0;
  return entries.map(({ name, shape, count }): NamedArray => {
    const values = readFloat32LE(bytes, offset, count);
    offset += count * BYTES_PER_ELEMENT;
    return { name, shape, values };
  });
}

interface CheckedEntry {
  name: string;
  shape: number[];
  count: number;
}

/**
 * Validates a layout that may come from JSON or the wire (so its types are not trusted) and
 * returns a copy of each entry with its element count. Counts are capped by what
 * `availableBytes` can hold, so absurd shapes fail fast instead of overflowing.
 */
function checkLayout(layout: readonly LayoutEntry[], availableBytes: number): CheckedEntry[] {
  if (!Array.isArray(layout)) throw new DecodeError('layout: not an array');
  const maxElements = Math.floor(availableBytes / BYTES_PER_ELEMENT);
  const names = new Set<string>();
  const checked: CheckedEntry[] = [];
  let total = 0;
  // An index loop, not map(): holes in a sparse array must fail too, not be skipped.
  for (let i = 0; i < layout.length; i++) {
    const entry: unknown = layout[i];
    const at = `layout[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new DecodeError(`${at}: not an object`);
    const { name, shape, dtype } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw new DecodeError(`${at}.name: must be a non-empty string`);
    const quoted = JSON.stringify(name);
    if (names.has(name)) throw new DecodeError(`${at}.name: duplicate name ${quoted}`);
    names.add(name);
    if (dtype !== 'float32') {
      throw new DecodeError(
        dtype === 'int32'
          ? `${at}.dtype: int32 is not supported for parameters (${quoted})`
          : `${at}.dtype: unknown dtype ${describe(dtype)} (${quoted})`,
      );
    }
    if (!Array.isArray(shape)) throw new DecodeError(`${at}.shape: not an array (${quoted})`);
    const problem = shapeProblem(shape);
    if (problem) throw new DecodeError(`${at}.shape: ${problem} (${quoted})`);
    const dims = shape as number[];
    const count = elementCount(dims, maxElements - total);
    if (count === undefined) {
      throw new DecodeError(`${at}.shape: [${dims.join(', ')}] needs more than the ${availableBytes} bytes given (${quoted})`);
    }
    total += count;
    checked.push({ name, shape: [...dims], count });
  }
  return checked;
}

/** Why `shape` is not a list of non-negative integers, or undefined when it is one. */
function shapeProblem(shape: readonly unknown[]): string | undefined {
  const k = shape.findIndex((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0);
  return k < 0 ? undefined : `dimension ${k} is ${describe(shape[k])}, not a non-negative integer`;
}

/** product(shape), or undefined when it exceeds `limit`. A 0 dimension wins over huge ones. */
function elementCount(shape: readonly number[], limit: number): number | undefined {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (count > limit) return undefined;
  }
  return count;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}
