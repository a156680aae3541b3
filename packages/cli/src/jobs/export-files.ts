import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DecodeError, EXPORT_FILES, sha256Hex } from '@metatrain/core';
import { ChunkAssembler, type ExportModelResponse } from '@metatrain/contract';

/** Largest export accepted; protects memory from a confused server. */
const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024 - 1;

interface Receiving {
  name: string;
  assembler: ChunkAssembler;
  checksum: string;
}

function finish(file: Receiving, files: Map<string, Uint8Array>): void {
  if (!file.assembler.complete) throw new DecodeError(`${file.name}: the stream moved on after ${file.assembler.received} chunk(s), before the file was complete`);
  const bytes = file.assembler.finish();
  const actual = sha256Hex(bytes);
  if (actual !== file.checksum) throw new DecodeError(`${file.name}: sha256 ${actual} does not match the checksum the coordinator sent (${file.checksum})`);
  files.set(file.name, bytes);
}

/**
 * Reassembles ExportModel's stream into files: each file's chunks in order, its size and
 * sha256 as chunk 0 declares them, only the known file names, each once, all present.
 * @throws DecodeError naming the file and what is wrong
 */
export async function receiveExport(messages: AsyncIterable<ExportModelResponse>): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  let current: Receiving | undefined;
  for await (const m of messages) {
    if (!current || m.fileName !== current.name) {
      if (current) finish(current, files);
      if (!(EXPORT_FILES as readonly string[]).includes(m.fileName)) throw new DecodeError(`unexpected file ${JSON.stringify(m.fileName)} in the export (expected ${EXPORT_FILES.join(', ')})`);
      if (files.has(m.fileName)) throw new DecodeError(`${m.fileName}: sent twice`);
      if (m.index !== 0) throw new DecodeError(`${m.fileName}: starts at chunk ${m.index}, not chunk 0`);
      if (!/^[0-9a-f]{64}$/.test(m.checksum)) throw new DecodeError(`${m.fileName}: chunk 0 carries no sha256 checksum`);
      current = { name: m.fileName, assembler: new ChunkAssembler({ maxTotalBytes: MAX_FILE_BYTES }), checksum: m.checksum };
    }
    try {
      current.assembler.push({ index: m.index, total: m.total, data: m.data, totalBytes: m.index === 0 ? m.sizeBytes : undefined });
    } catch (err) {
      throw err instanceof DecodeError ? new DecodeError(`${current.name}: ${err.message}`) : err;
    }
  }
  if (current) finish(current, files);
  const missing = EXPORT_FILES.filter((name) => !files.has(name));
  if (missing.length > 0) throw new DecodeError(`the export stream ended without ${missing.join(', ')}`);
  return files;
}

/**
 * Writes the files into `dir` atomically: each goes to a temporary name first and is renamed
 * into place, meta.json last, so a reader never sees a partial file and an interrupted export
 * never looks complete.
 */
export async function writeExportDir(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tag = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const names = [...files.keys()].sort((a, b) => Number(a === 'meta.json') - Number(b === 'meta.json'));
  const temporary = names.map((name) => join(dir, `.${name}.${tag}.tmp`));
  try {
    for (const [i, name] of names.entries()) await writeFile(temporary[i] as string, files.get(name) as Uint8Array);
    for (const [i, name] of names.entries()) await rename(temporary[i] as string, join(dir, name));
  } finally {
    await Promise.all(temporary.map((path) => rm(path, { force: true })));
  }
}
