import { crc32, inflateRawSync } from 'node:zlib';

// The check of a file no sha256 is known for: the archive must be whole and every entry
// intact. A transfer cut short loses the end-of-central-directory record; a corrupted byte
// fails an entry's inflate or its CRC-32. Read from the central directory (the zip's index),
// as unzip tools do, and entry by entry through each local header, as extraction does.

const END_RECORD = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const END_RECORD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/** What the check found: the number of entries, or the first problem. */
export type ZipCheck = { ok: true; entries: number } | { ok: false; problem: string };

interface DirectoryEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  localOffset: number;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/**
 * Checks that `zip` is a sound zip archive: its end record and central directory are there
 * and consistent, and every entry has its local header, inflates (stored or deflated) to the
 * size the directory gives, with the directory's CRC-32. An entry may not inflate to more
 * than its declared size, so a zip bomb fails fast instead of filling memory. ZIP64 archives
 * (over 4 GiB or 65535 entries) and encrypted entries are reported as problems: no dataset
 * of the catalog is one.
 */
export function checkZip(zip: Uint8Array): ZipCheck {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = findEndRecord(view);
  if (end < 0) return { ok: false, problem: 'no end-of-central-directory record: truncated, or not a zip' };
  const count = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    return { ok: false, problem: 'a ZIP64 archive, which this check does not read' };
  }
  if (directoryOffset + directorySize > end) {
    return { ok: false, problem: `the central directory (${directorySize} bytes at ${directoryOffset}) overlaps its end record at ${end}` };
  }
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    const entry = readDirectoryEntry(view, at, directoryOffset + directorySize);
    if (typeof entry === 'string') return { ok: false, problem: `central directory entry ${i + 1} of ${count}: ${entry}` };
    const problem = checkEntry(zip, view, entry.value);
    if (problem) return { ok: false, problem: `${entry.value.name}: ${problem}` };
    at = entry.next;
  }
  return { ok: true, entries: count };
}

/** The end record's offset: the last signature whose comment length reaches exactly the end of the file. */
function findEndRecord(view: DataView): number {
  const last = view.byteLength - END_RECORD_SIZE;
  for (let at = last; at >= 0 && at >= last - MAX_COMMENT; at--) {
    if (view.getUint32(at, true) === END_RECORD && at + END_RECORD_SIZE + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  return -1;
}

function readDirectoryEntry(view: DataView, at: number, limit: number): { value: DirectoryEntry; next: number } | string {
  if (at + 46 > limit || view.getUint32(at, true) !== DIRECTORY_ENTRY) return `missing at offset ${at}`;
  const nameLength = view.getUint16(at + 28, true);
  const next = at + 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  if (next > limit) return `runs past the central directory at offset ${at}`;
  const name = new TextDecoder().decode(new Uint8Array(view.buffer, view.byteOffset + at + 46, nameLength));
  return {
    value: {
      name,
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressed: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    },
    next,
  };
}

/** Why one entry is not intact, or undefined. */
function checkEntry(zip: Uint8Array, view: DataView, entry: DirectoryEntry): string | undefined {
  if (entry.flags & 1) return 'encrypted, which this check does not read';
  const local = entry.localOffset;
  if (local + 30 > zip.byteLength || view.getUint32(local, true) !== LOCAL_HEADER) return `no local header at offset ${local}`;
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  if (start + entry.compressed > zip.byteLength) return 'its data runs past the end of the file';
  const data = zip.subarray(start, start + entry.compressed);
  let content: Uint8Array;
  if (entry.method === 0) content = data;
  else if (entry.method === 8) {
    try {
      content = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
    } catch (err) {
      return `does not inflate to its ${entry.size} bytes (${err instanceof Error ? err.message : String(err)})`;
    }
  } else return `compression method ${entry.method}, which this check does not read`;
  if (content.byteLength !== entry.size) return `${content.byteLength} bytes, the central directory says ${entry.size}`;
  const crc = crc32(content) >>> 0;
  if (crc !== entry.crc) return `CRC-32 ${hex(crc)}, the central directory says ${hex(entry.crc)}`;
  return undefined;
}
