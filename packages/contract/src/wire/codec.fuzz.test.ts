import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeParams, encodeParams, type LayoutEntry, paramsEqual, type ParamSet } from '@metatrain/core';
import { type Chunk, ChunkAssembler, splitIntoChunks } from './chunks';

// Inputs come from the network and from storage, so anything may arrive. Fixed seeds keep
// runs reproducible; a failure prints its counterexample.
const RUNS = { numRuns: 3000, seed: 20_240_601 };

/** Calls `run`; fails when it throws anything but a DecodeError. */
function onlyDecodeErrors(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
}

const weird = fc.anything({ withBigInt: true, withBoxedValues: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true });

const dim = fc.oneof(
  { weight: 5, arbitrary: fc.nat(6) },
  fc.integer({ min: -4, max: -1 }),
  fc.double(),
  fc.constantFrom(2 ** 53, 2 ** 31, 1e300, Number.NaN, Number.POSITIVE_INFINITY, -0),
  weird,
);

const entry = fc.record(
  {
    name: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('a', 'b', 'c', 'w/kernel') }, fc.string({ maxLength: 4 }), weird),
    shape: fc.oneof({ weight: 5, arbitrary: fc.array(dim, { maxLength: 4 }) }, weird),
    dtype: fc.oneof({ weight: 5, arbitrary: fc.constant('float32') }, fc.constantFrom('int32', 'float16', ''), weird),
  },
  { requiredKeys: [] },
);

const layout = fc.oneof({ weight: 10, arbitrary: fc.array(fc.oneof({ weight: 5, arbitrary: entry }, weird), { maxLength: 5 }) }, weird);
const bytes = fc.oneof({ weight: 10, arbitrary: fc.uint8Array({ maxLength: 256 }) }, weird);
const checksum = fc.option(fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{64}$/), fc.string(), weird), { nil: undefined });

/** A well-formed parameter set with arbitrary float32 bit patterns (NaNs, -0, subnormals). */
const paramSet: fc.Arbitrary<ParamSet> = fc
  .uniqueArray(
    fc.record({ name: fc.string({ minLength: 1, maxLength: 6 }), shape: fc.array(fc.nat(4), { maxLength: 3 }) }),
    { selector: (p) => p.name, maxLength: 5 },
  )
  .chain((specs) =>
    fc.tuple(
      ...specs.map((s) =>
        fc
          .array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: size(s.shape), maxLength: size(s.shape) })
          .map((bits) => ({ ...s, values: new Float32Array(Uint32Array.from(bits).buffer) })),
      ),
    ),
  );

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

describe('codec fuzz', () => {
  it('decodeParams throws nothing but DecodeError on arbitrary input', () => {
    fc.assert(
      fc.property(layout, bytes, checksum, (l, b, c) => {
        onlyDecodeErrors(() => decodeParams(l as LayoutEntry[], b as Uint8Array, c as string | undefined));
      }),
      RUNS,
    );
  });

  it('decodeParams throws nothing but DecodeError on valid payloads with one byte changed', () => {
    fc.assert(
      fc.property(paramSet, fc.nat(), fc.integer({ min: 1, max: 255 }), (params, at, xor) => {
        const { layout: l, bytes: b, checksum: c } = encodeParams(params);
        if (b.length === 0) return;
        const corrupted = b.slice();
        const k = at % b.length;
        corrupted[k] = (corrupted[k] ?? 0) ^ xor;
        expect(() => decodeParams(l, corrupted, c)).toThrow(DecodeError);
      }),
      RUNS,
    );
  });

  it('round-trips any parameter set bit for bit, through chunks of any size', () => {
    fc.assert(
      fc.property(paramSet, fc.integer({ min: 1, max: 64 }), (params, chunkBytes) => {
        const { layout: l, bytes: b, checksum: c } = encodeParams(params);
        const parts = splitIntoChunks(b, chunkBytes);
        const assembler = new ChunkAssembler();
        parts.forEach((data, index) => assembler.push({ index, total: parts.length, data, totalBytes: index === 0 ? b.length : undefined }));
        expect(paramsEqual(decodeParams(l, assembler.finish(), c), params)).toBe(true);
      }),
      RUNS,
    );
  });

  it('ChunkAssembler throws nothing but DecodeError on arbitrary chunk streams', () => {
    const chunk = fc.record(
      {
        index: fc.oneof({ weight: 5, arbitrary: fc.nat(4) }, fc.integer({ min: -2, max: 8 }), fc.double(), weird),
        total: fc.oneof({ weight: 5, arbitrary: fc.nat(4) }, fc.double(), weird),
        data: fc.oneof({ weight: 5, arbitrary: fc.uint8Array({ maxLength: 16 }) }, weird),
        totalBytes: fc.oneof(fc.constant(undefined), fc.nat(64), fc.double(), weird),
      },
      { requiredKeys: [] },
    );
    const stream = fc.array(fc.oneof({ weight: 10, arbitrary: chunk }, weird), { maxLength: 8 });
    fc.assert(
      fc.property(stream, fc.option(fc.nat(64), { nil: undefined }), (chunks, maxTotalBytes) => {
        onlyDecodeErrors(() => {
          const assembler = new ChunkAssembler({ maxTotalBytes });
          for (const c of chunks) assembler.push(c as Chunk);
          assembler.finish();
        });
      }),
      RUNS,
    );
  });
});
