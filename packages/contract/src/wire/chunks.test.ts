import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeParams, encodeParams, paramsEqual, type ParamSet } from '@metatrain/core';
import { type Chunk, ChunkAssembler, MAX_CHUNK_BYTES, splitIntoChunks } from './chunks';

const MiB = 1024 * 1024;

function chunksOf(bytes: Uint8Array, size = 4): Chunk[] {
  const parts = splitIntoChunks(bytes, size);
  return parts.map((data, index) => ({ index, total: parts.length, data, totalBytes: index === 0 ? bytes.length : undefined }));
}

function assemble(chunks: Chunk[], maxTotalBytes?: number): Uint8Array {
  const assembler = new ChunkAssembler({ maxTotalBytes });
  for (const c of chunks) assembler.push(c);
  return assembler.finish();
}

describe('splitIntoChunks', () => {
  it('cuts a payload over 4 MiB into 1 MiB chunks that concatenate back to it', () => {
    const bytes = new Uint8Array(randomBytes(4 * MiB + 123));
    const chunks = splitIntoChunks(bytes);
    expect(chunks.map((c) => c.length)).toEqual([MiB, MiB, MiB, MiB, 123]);
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0);
  });

  it('makes no short last chunk for an exact multiple', () => {
    expect(splitIntoChunks(new Uint8Array(12), 4).map((c) => c.length)).toEqual([4, 4, 4]);
  });

  it('gives one empty chunk for an empty payload', () => {
    expect(splitIntoChunks(new Uint8Array(0)).map((c) => c.length)).toEqual([0]);
  });

  it('defaults to the 1 MiB wire limit', () => {
    expect(MAX_CHUNK_BYTES).toBe(MiB);
  });

  it.each([0, -1, 1.5, NaN])('rejects chunk size %s', (size) => {
    expect(() => splitIntoChunks(new Uint8Array(4), size)).toThrow(RangeError);
  });
});

describe('ChunkAssembler', () => {
  const payload = Uint8Array.from({ length: 10 }, (_, i) => i + 1);
  const fresh = (): Uint8Array => payload.slice();

  it('reassembles in-order chunks into fresh memory', () => {
    const chunks = chunksOf(fresh());
    const assembler = new ChunkAssembler();
    for (const c of chunks) assembler.push(c);
    expect(assembler.complete).toBe(true);
    expect(assembler.received).toBe(3);
    const out = assembler.finish();
    chunks[0]?.data.fill(0);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(assembler.finish()).toBe(out);
  });

  it('copies each chunk, so the sender may reuse its buffer', () => {
    const reused = new Uint8Array(2);
    const assembler = new ChunkAssembler();
    reused.set([1, 2]);
    assembler.push({ index: 0, total: 2, data: reused });
    reused.set([3, 4]);
    assembler.push({ index: 1, total: 2, data: reused });
    expect(Array.from(assembler.finish())).toEqual([1, 2, 3, 4]);
  });

  it('round-trips a >4 MiB parameter set through 1 MiB chunks bit for bit', () => {
    const words = new Uint32Array(randomBytes(4 * (1_200_000 + 7)).buffer);
    const params: ParamSet = [
      { name: 'w', shape: [1000, 1200], values: new Float32Array(words.buffer, 0, 1_200_000) },
      { name: 'b', shape: [7], values: new Float32Array(words.buffer, 4 * 1_200_000, 7) },
    ];
    const encoded = encodeParams(params);
    expect(encoded.bytes.length).toBeGreaterThan(4 * MiB);
    const chunks = chunksOf(encoded.bytes, MAX_CHUNK_BYTES);
    expect(chunks.every((c) => c.data.length <= MAX_CHUNK_BYTES)).toBe(true);
    expect(chunks).toHaveLength(5);
    const decoded = decodeParams(encoded.layout, assemble(chunks), encoded.checksum);
    expect(paramsEqual(decoded, params)).toBe(true);
  });

  const [c0, c1, c2] = chunksOf(payload) as [Chunk, Chunk, Chunk];
  const cases: [string, () => unknown, RegExp][] = [
    ['out of order', () => assemble([c0, c2, c1]), /chunk 2: out of order, expected chunk 1/],
    ['first chunk missing', () => assemble([c1, c2]), /chunk 1: out of order, expected chunk 0/],
    ['missing tail', () => assemble([c0, c1]), /missing chunks 2\.\.2 of 3/],
    ['nothing received', () => assemble([]), /none received/],
    ['duplicate', () => assemble([c0, c1, c1, c2]), /chunk 1: duplicate/],
    ['total mismatch', () => assemble([c0, { ...c1, total: 4 }, c2]), /chunk 1: total 4 differs from the first chunk's 3/],
    ['index beyond total', () => assemble([c0, c1, c2, { ...c2, index: 3 }]), /chunk 3: index out of range \(total 3\)/],
    ['zero total', () => assemble([{ ...c0, total: 0 }]), /total 0 is not a positive integer/],
    ['negative index', () => assemble([{ ...c0, index: -1 }]), /chunk index: -1 is not a non-negative integer/],
    ['fractional index', () => assemble([{ ...c0, index: 0.5 }]), /chunk index: 0\.5/],
    ['data not bytes', () => assemble([{ ...c0, data: 'abc' as unknown as Uint8Array }]), /chunk 0: data is not a byte array/],
    ['over the size limit', () => assemble([{ ...c0, totalBytes: undefined }, c1, c2], 9), /chunk 2: payload exceeds the limit of 9 bytes/],
    ['declared over the limit', () => assemble([{ ...c0, totalBytes: 100 }], 50), /declared 100 bytes exceed the limit of 50/],
    ['more than declared', () => assemble([{ ...c0, totalBytes: 9 }, c1, c2]), /chunk 2: payload exceeds its declared 9 bytes/],
    ['less than declared', () => assemble([{ ...c0, totalBytes: 12 }, c1, c2]), /got 10 bytes, the first chunk declared 12/],
    ['bad declared size', () => assemble([{ ...c0, totalBytes: -1 }]), /totalBytes -1 is not a non-negative integer/],
  ];

  it.each(cases)('rejects %s with a DecodeError', (_label, run, message) => {
    expect(run).toThrow(DecodeError);
    expect(run).toThrow(message);
  });

  it('rejects a chunk after finish', () => {
    const assembler = new ChunkAssembler();
    assembler.push({ index: 0, total: 1, data: payload });
    assembler.finish();
    expect(() => assembler.push({ index: 0, total: 1, data: payload })).toThrow(/already finished/);
  });
});
