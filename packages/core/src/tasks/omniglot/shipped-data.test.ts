import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { omniglotDir } from '../../testing/omniglot-data';

// datasets/omniglot ships in git and the Omniglot tests read it: a checkout must hold the very
// files SHA256SUMS names, not a corrupted copy, a line-ending-converted one or Git LFS pointers.

const SUMS_LINE = /^([0-9a-f]{64}) [ *](.+)$/; // sha256sum's format, text or binary mode
const sums = readFileSync(join(omniglotDir, 'SHA256SUMS'), 'utf8')
  .trimEnd()
  .split('\n')
  .map((line) => {
    const [, sha256, file] = SUMS_LINE.exec(line) ?? [];
    if (!sha256 || !file) throw new Error(`datasets/omniglot/SHA256SUMS: not a sha256sum line: ${JSON.stringify(line)}`);
    return { sha256, file };
  });

describe('datasets/omniglot', () => {
  it('lists every shipped file in SHA256SUMS', () => {
    const shipped = readdirSync(omniglotDir).filter((f) => f !== 'SHA256SUMS' && f !== 'README.md');
    expect(sums.map((s) => s.file).sort()).toEqual(shipped.sort());
  });

  it.each(sums)('has $file as SHA256SUMS says', ({ sha256, file }) => {
    const bytes = readFileSync(join(omniglotDir, file));
    const actual = createHash('sha256').update(bytes).digest('hex');
    const lfs = bytes.subarray(0, 40).toString('latin1').startsWith('version https://git-lfs.github.com/spec/');
    const why = lfs ? 'it is a Git LFS pointer, not the file (fetch the real one: git lfs pull)' : 'it is corrupted or converted (restore it: git checkout -- datasets/omniglot)';
    expect(actual, `datasets/omniglot/${file} (${bytes.length} bytes) does not match SHA256SUMS: ${why}`).toBe(sha256);
  });
});
