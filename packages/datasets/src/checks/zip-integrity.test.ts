import { deflateRawSync } from 'node:zlib';
import { OMNIGLOT_ZIPS } from '@metatrain/core/testing';
import { describe, expect, it } from 'vitest';
import { bytesOf } from '../testing/dataset-server';
import { checkZip } from './zip-integrity';

const SMALL1 = bytesOf(OMNIGLOT_ZIPS.small1);

/** The offset of the central directory and of its first entry's CRC-32 field. */
function directoryOf(zip: Uint8Array) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.byteLength - 22; // the shipped zips have no comment
  expect(view.getUint32(end, true)).toBe(0x06054b50);
  return { view, offset: view.getUint32(end + 16, true) };
}

/** A one-entry zip of `content`, deflated: built by hand so the test owns every byte. */
function oneEntryZip(name: string, content: Uint8Array, crc: number): Uint8Array {
  const data = deflateRawSync(content);
  const nameBytes = new TextEncoder().encode(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const directoryOffset = local.length + nameBytes.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(directoryOffset, 16);
  return new Uint8Array(Buffer.concat([local, nameBytes, data, central, nameBytes, end]));
}

describe('checkZip', () => {
  it('passes the shipped Omniglot zip, every entry inflated and its CRC-32 checked', () => {
    const result = checkZip(SMALL1);
    expect(result).toEqual({ ok: true, entries: expect.any(Number) });
    expect(result.ok && result.entries).toBeGreaterThan(2720); // 136 characters × 20 drawings, and folders
  });

  it('fails a transfer cut short: the end record is gone', () => {
    expect(checkZip(SMALL1.subarray(0, SMALL1.byteLength - 1000))).toEqual({ ok: false, problem: 'no end-of-central-directory record: truncated, or not a zip' });
    expect(checkZip(new TextEncoder().encode('<html>404 Not Found</html>')).ok).toBe(false);
  });

  it('fails an entry whose bytes do not match the CRC-32 the directory gives', () => {
    const zip = oneEntryZip('a/b.png', new TextEncoder().encode('drawing'), 0x12345678);
    const result = checkZip(zip);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(/^a\/b\.png: CRC-32 0x[0-9a-f]{8}, the central directory says 0x12345678$/);
  });

  it('fails a corrupted byte inside an entry of a real zip', () => {
    const zip = new Uint8Array(SMALL1);
    const { view, offset } = directoryOf(zip);
    // The first entry with data: its local header's offset, then a byte in the middle of its data.
    let at = offset;
    while (view.getUint32(at + 20, true) === 0) at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const middle = start + Math.floor(view.getUint32(at + 20, true) / 2);
    view.setUint8(middle, view.getUint8(middle) ^ 0xff);
    const result = checkZip(zip);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(/\.png: (CRC-32 0x[0-9a-f]{8}, the central directory says|does not inflate)/);
  });

  it('fails a central directory that points nowhere', () => {
    const zip = new Uint8Array(SMALL1);
    const { view, offset } = directoryOf(zip);
    view.setUint32(offset + 42, 7, true); // the first entry's local header offset
    const result = checkZip(zip);
    expect(!result.ok && result.problem).toMatch(/: no local header at offset 7$/);
  });

  it('refuses an entry that inflates to more than its declared size (a zip bomb) without inflating it all', () => {
    const big = new Uint8Array(50_000_000);
    const zip = oneEntryZip('bomb', big, 0);
    const view = new DataView(zip.buffer);
    const central = view.getUint32(zip.byteLength - 22 + 16, true);
    view.setUint32(central + 24, 100, true); // declares 100 bytes
    const result = checkZip(zip);
    expect(!result.ok && result.problem).toMatch(/^bomb: does not inflate to its 100 bytes/);
  });
});
