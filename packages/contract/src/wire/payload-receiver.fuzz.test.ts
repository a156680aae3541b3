import { DecodeError, encodeParams, type ParamSet } from '@metatrain/core';
import type { TensorChunk } from '../generated';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PayloadReceiver } from './payload-receiver';
import { toTensorChunks } from './tensor-chunks';

// What ReportShard and GetParameters receive comes off the network: any TensorChunk a
// protobuf decoder can produce, in any order. Fixed seeds keep runs reproducible; a failure
// prints its counterexample.
const RUNS = { numRuns: 2500, seed: 4_041_977 };

/** Pushes every chunk and finishes; undefined when a DecodeError stopped it, anything else escapes. */
function receive(chunks: readonly TensorChunk[], maxPayloadBytes?: number): ParamSet | undefined {
  try {
    const receiver = new PayloadReceiver(maxPayloadBytes === undefined ? {} : { maxPayloadBytes });
    for (const chunk of chunks) receiver.push(chunk);
    return receiver.finish();
  } catch (err) {
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}

const hexDigest = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });

const valuesOf = (params: ParamSet): number[] => params.flatMap((p) => [...p.values]);

// Wire numbers are uint32/uint64 fields: non-negative integers, small or huge.
const wireNat = fc.oneof({ weight: 6, arbitrary: fc.nat(6) }, fc.nat(), fc.constantFrom(2 ** 32 - 1, 2 ** 53 - 1, 1 << 20));

const paramSet: fc.Arbitrary<ParamSet> = fc
  .uniqueArray(
    fc.record({ name: fc.constantFrom('w', 'b', 'dense0/kernel', 'lr/w'), shape: fc.array(fc.nat(3), { maxLength: 3 }) }),
    { selector: (p) => p.name, minLength: 1, maxLength: 3 },
  )
  .map((entries) => entries.map((e) => ({ ...e, values: Float32Array.from({ length: e.shape.reduce((a, b) => a * b, 1) }, (_, i) => i - 1.5) })));

/** One change to a valid chunk list: what a buggy or hostile peer might send instead. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('field' as const), at: fc.nat(), field: fc.constantFrom('index', 'total', 'totalBytes'), value: wireNat }),
  fc.record({ kind: fc.constant('checksum' as const), at: fc.nat(), value: fc.oneof(fc.string({ maxLength: 70 }), hexDigest) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('data' as const), at: fc.nat(), data: fc.uint8Array({ maxLength: 24 }) }),
  fc.record({
    kind: fc.constant('layout' as const),
    at: fc.nat(),
    entries: fc.array(fc.record({ name: fc.string({ maxLength: 3 }), shape: fc.array(wireNat, { maxLength: 4 }), dtype: fc.integer({ min: -1, max: 4 }) }), { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('no-layout' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(chunks: TensorChunk[], m: Mutation): TensorChunk[] {
  if (chunks.length === 0) return chunks;
  const out = chunks.map((c) => ({ ...c }));
  const i = m.at % out.length;
  const c = out[i] as TensorChunk;
  switch (m.kind) {
    case 'drop':
      out.splice(i, 1);
      break;
    case 'repeat':
      out.splice(i, 0, { ...c });
      break;
    case 'swap': {
      const j = m.with % out.length;
      [out[i], out[j]] = [out[j] as TensorChunk, c];
      break;
    }
    case 'field':
      c[m.field] = m.value;
      break;
    case 'checksum':
      c.checksum = m.value;
      break;
    case 'flip':
      if (c.data.length > 0) {
        c.data = Uint8Array.from(c.data);
        const k = m.byte % c.data.length;
        c.data[k] = (c.data[k] ?? 0) ^ m.xor;
      }
      break;
    case 'data':
      c.data = m.data;
      break;
    case 'layout':
      c.layout = { entries: m.entries };
      break;
    case 'no-layout':
      c.layout = undefined;
      break;
  }
  return out;
}

describe('PayloadReceiver fuzz', () => {
  it('a valid stream with up to three changes decodes to the sent values or fails with a DecodeError, nothing else', () => {
    fc.assert(
      fc.property(paramSet, fc.integer({ min: 1, max: 16 }), fc.array(mutation, { maxLength: 3 }), fc.option(fc.nat(96), { nil: undefined }), (params, chunkBytes, mutations, limit) => {
        const encoded = encodeParams(params);
        const sent = mutations.reduce(mutate, toTensorChunks(encoded, chunkBytes));
        const received = receive(sent, limit);
        // The checksum covers the bytes: whatever is accepted carries exactly the values sent.
        if (received) expect(valuesOf(received)).toEqual(valuesOf(params));
        if (limit !== undefined && received) expect(encoded.bytes.length).toBeLessThanOrEqual(limit);
        if (mutations.length === 0 && limit === undefined) expect(received).toBeDefined();
      }),
      RUNS,
    );
  });

  it('arbitrary TensorChunks in arbitrary order fail with a DecodeError, nothing else', () => {
    const layoutEntry = fc.record({ name: fc.string({ maxLength: 4 }), shape: fc.array(wireNat, { maxLength: 4 }), dtype: fc.integer({ min: -2, max: 5 }) });
    const chunk: fc.Arbitrary<TensorChunk> = fc.record({
      layout: fc.option(fc.record({ entries: fc.array(layoutEntry, { maxLength: 4 }) }), { nil: undefined }),
      data: fc.uint8Array({ maxLength: 64 }),
      index: wireNat,
      total: wireNat,
      totalBytes: wireNat,
      checksum: fc.oneof(fc.constant(''), fc.string({ maxLength: 8 }), hexDigest),
    });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 6 }), fc.option(fc.nat(128), { nil: undefined }), (chunks, limit) => {
        receive(chunks, limit);
      }),
      RUNS,
    );
  });
});
