import { DecodeError, type ParamSet, readFloat32LE, sizeOf, writeFloat32LE } from '@metatrain/core';

/**
 * The `.bin` checkpoint part: named float32 arrays that describe themselves, so a file can be
 * read without the job spec.
 *
 *   bytes 0..3    magic "MTNA"
 *   bytes 4..7    format version, uint32 LE (1)
 *   bytes 8..11   header length H, uint32 LE (a multiple of 4)
 *   H bytes       UTF-8 JSON {"dtype":"float32","arrays":[{"name":..,"shape":[..]},..]},
 *                 padded with spaces so the data starts 4-byte aligned
 *   then          every array's values as float32 little-endian, in header order, nothing after
 */
const MAGIC = [0x4d, 0x54, 0x4e, 0x41]; // "MTNA"
const VERSION = 1;
const PREAMBLE = 12;
/** A header larger than this is not one we wrote. */
const MAX_HEADER_BYTES = 64 << 20;

interface Header {
  dtype: 'float32';
  arrays: { name: string; shape: number[] }[];
}

/** Serialises named float32 arrays, bit for bit (NaN payloads included). */
export function encodeNamedArrays(params: ParamSet): Uint8Array {
  for (const p of params) {
    if (p.values.length !== sizeOf(p.shape)) {
      throw new RangeError(`${p.name}: ${p.values.length} values do not fill shape [${p.shape.join(', ')}]`);
    }
  }
  const header: Header = { dtype: 'float32', arrays: params.map((p) => ({ name: p.name, shape: [...p.shape] })) };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 4) * 4;
  const dataLength = params.reduce((n, p) => n + 4 * p.values.length, 0);
  const out = new Uint8Array(PREAMBLE + headerLength + dataLength);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, headerLength, true);
  out.set(json, PREAMBLE);
  out.fill(0x20, PREAMBLE + json.length, PREAMBLE + headerLength);
  let offset = PREAMBLE + headerLength;
  for (const p of params) {
    writeFloat32LE(p.values, out, offset);
    offset += 4 * p.values.length;
  }
  return out;
}

/** Parses what encodeNamedArrays wrote; throws DecodeError on anything else. */
export function decodeNamedArrays(bytes: Uint8Array): ParamSet {
  if (bytes.length < PREAMBLE) throw new DecodeError(`named arrays: ${bytes.length} bytes is shorter than the preamble`);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new DecodeError('named arrays: bad magic (not an MTNA file)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new DecodeError(`named arrays: unsupported format version ${version}`);
  const headerLength = view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES || PREAMBLE + headerLength > bytes.length) {
    throw new DecodeError(`named arrays: header length ${headerLength} exceeds the ${bytes.length}-byte file`);
  }
  const header = parseHeader(bytes.subarray(PREAMBLE, PREAMBLE + headerLength));
  let offset = PREAMBLE + headerLength;
  const expected = offset + 4 * header.arrays.reduce((n, a) => n + sizeOf(a.shape), 0);
  if (expected !== bytes.length) {
    throw new DecodeError(`named arrays: header describes ${expected} bytes, file has ${bytes.length}`);
  }
  return header.arrays.map(({ name, shape }) => {
    const count = sizeOf(shape);
    const values = readFloat32LE(bytes, offset, count);
    offset += 4 * count;
    return { name, shape, values };
  });
}

function parseHeader(raw: Uint8Array): Header {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (err) {
    throw new DecodeError(`named arrays: header is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const h = parsed as Partial<Header> | null;
  if (typeof h !== 'object' || h === null || h.dtype !== 'float32' || !Array.isArray(h.arrays)) {
    throw new DecodeError('named arrays: header needs dtype "float32" and an arrays list');
  }
  return {
    dtype: 'float32',
    arrays: h.arrays.map((a: unknown, i) => {
      const { name, shape } = (a ?? {}) as { name?: unknown; shape?: unknown };
      if (typeof name !== 'string') throw new DecodeError(`named arrays: arrays[${i}].name is not a string`);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
        throw new DecodeError(`named arrays: arrays[${i}].shape (${name}) is not a list of sizes`);
      }
      // Guards the size sum against overflow from absurd shapes; the length check rejects them.
      if (sizeOf(shape as number[]) > 2 ** 40) throw new DecodeError(`named arrays: ${name} is implausibly large`);
      return { name, shape: shape as number[] };
    }),
  };
}
