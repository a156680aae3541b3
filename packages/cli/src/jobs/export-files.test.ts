import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecodeError, sha256Hex } from '@metatrain/core';
import { type ExportModelResponse, splitIntoChunks } from '@metatrain/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveExport, writeExportDir } from './export-files';

const files: Array<[string, Uint8Array]> = [
  ['model.json', new TextEncoder().encode('{"modelTopology":{}}')],
  ['weights.bin', Uint8Array.from({ length: 2500 }, (_, i) => i % 251)],
  ['meta.json', new TextEncoder().encode('{"format":"metatrain-export/v1"}')],
];

/** What the coordinator streams: each file in chunks, size and checksum on chunk 0. */
function stream(list = files, chunkBytes = 1000): ExportModelResponse[] {
  return list.flatMap(([fileName, bytes]) => {
    const chunks = splitIntoChunks(bytes, chunkBytes);
    return chunks.map((data, index) => ({ fileName, data, index, total: chunks.length, sizeBytes: index === 0 ? bytes.length : 0, checksum: index === 0 ? sha256Hex(bytes) : '' }));
  });
}

async function* from(messages: ExportModelResponse[]): AsyncGenerator<ExportModelResponse> {
  for (const m of messages) yield m;
}

const receive = (messages: ExportModelResponse[]) => receiveExport(from(messages));

describe('receiveExport', () => {
  it('reassembles chunked files and checks their checksums', async () => {
    const got = await receive(stream());
    expect([...got.keys()]).toEqual(['model.json', 'weights.bin', 'meta.json']);
    expect(got.get('weights.bin')).toEqual(files[1]?.[1]);
  });

  it.each<[string, (m: ExportModelResponse[]) => ExportModelResponse[], RegExp]>([
    ['a corrupted chunk', (m) => m.map((c, i) => (i === 2 ? { ...c, data: c.data.map((b) => b ^ 1) } : c)), /^weights\.bin: sha256 [0-9a-f]{64} does not match the checksum the coordinator sent/],
    ['a missing chunk', (m) => m.filter((_, i) => i !== 2), /^weights\.bin: chunk 2: out of order, expected chunk 1 \(a chunk is missing or late\)$/],
    ['a missing last chunk', (m) => m.filter((_, i) => i !== 3), /^weights\.bin: the stream moved on after 2 chunk\(s\), before the file was complete$/],
    ['chunks out of order', (m) => [m[0], m[1], m[3], m[2], ...m.slice(4)] as ExportModelResponse[], /^weights\.bin: chunk 2: out of order, expected chunk 1/],
    ['a file that does not start at chunk 0', (m) => [m[0], m[2], m[1], ...m.slice(3)] as ExportModelResponse[], /^weights\.bin: starts at chunk 1, not chunk 0$/],
    ['a missing file', (m) => m.filter((c) => c.fileName !== 'meta.json'), /^the export stream ended without meta\.json$/],
    ['an unknown file name', (m) => m.map((c) => (c.fileName === 'meta.json' ? { ...c, fileName: '../../etc/passwd' } : c)), /^unexpected file "\.\.\/\.\.\/etc\/passwd" in the export/],
    ['a file sent twice', (m) => [...m, ...m.filter((c) => c.fileName === 'model.json')], /^model\.json: sent twice$/],
    ['a size that differs from the declared one', (m) => m.map((c) => (c.fileName === 'meta.json' ? { ...c, sizeBytes: 5 } : c)), /^meta\.json: chunk 0: payload exceeds its declared 5 bytes/],
    ['no checksum', (m) => m.map((c) => (c.fileName === 'model.json' ? { ...c, checksum: '' } : c)), /^model\.json: chunk 0 carries no sha256 checksum$/],
  ])('refuses %s, naming the file', async (_label, mutate, message) => {
    const err = await receive(mutate(stream())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('writeExportDir', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'metatrain-export-files-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes every file, replaces an older export and leaves no temporary file', async () => {
    const out = join(dir, 'nested', 'export');
    await writeExportDir(out, new Map([['meta.json', new TextEncoder().encode('old')]]));
    await writeExportDir(out, await receive(stream()));
    expect((await readdir(out)).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
    expect(new Uint8Array(await readFile(join(out, 'weights.bin')))).toEqual(files[1]?.[1]);
    expect(await readFile(join(out, 'meta.json'), 'utf8')).toBe('{"format":"metatrain-export/v1"}');
  });
});
