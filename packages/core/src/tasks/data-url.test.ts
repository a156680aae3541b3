import { describe, expect, it } from 'vitest';
import { SpecErrors } from '../errors';
import { validateSpec } from '../spec/parse-spec';
import { dataPathProblem, pinnedUrl } from './data-url';

const HEX = 'ab'.repeat(32);

/** The spec errors `validateSpec` gives for `tasks`, as `field: reason` lines. */
function refusals(tasks: Record<string, unknown>): string[] {
  const image = tasks.family === 'omniglot' || tasks.family === 'image-folder';
  try {
    validateSpec({ name: 'urls', algorithm: 'protonet', model: image ? { kind: 'conv4', channels: 8 } : { kind: 'mlp' }, tasks, outer: { lr: 0.001, metaBatchSize: 2, iterations: 1 } });
  } catch (err) {
    if (err instanceof SpecErrors) return err.errors.map((e) => e.message);
    throw err;
  }
  return [];
}

const csv = (path: string) => ({ family: 'csv', path, taskColumn: 'g', target: 'y', kind: 'classification', shots: 1 });

describe('pinnedUrl', () => {
  it('reads the URL to download and the sha256 of an http(s) URL pinned by #sha256=', () => {
    expect(pinnedUrl(`https://data.example.org/sets/t.csv#sha256=${HEX}`)).toEqual({ url: 'https://data.example.org/sets/t.csv', sha256: HEX, name: 't.csv' });
    expect(pinnedUrl(`http://127.0.0.1:8080/t.csv?X-Amz-Signature=1#sha256=${HEX.toUpperCase()}`)).toEqual({ url: 'http://127.0.0.1:8080/t.csv?X-Amz-Signature=1', sha256: HEX, name: 't.csv' });
  });

  it('is undefined for a local path, a file URL, an unpinned or badly pinned URL', () => {
    for (const path of ['t.csv', '/abs/t.csv', 'file:///abs/t.csv', `sha256:${HEX}`, 'https://h/t.csv', `https://h/t.csv#sha256=${HEX.slice(1)}`, `s3://b/t.csv#sha256=${HEX}`]) {
      expect(pinnedUrl(path), path).toBeUndefined();
    }
  });
});

describe('data paths in a spec', () => {
  it('accept local paths, file URLs and pinned http(s) URLs in every field that names data', () => {
    expect(refusals(csv(`https://h/t.csv#sha256=${HEX}`))).toEqual([]);
    expect(refusals(csv('file:///abs/t.csv'))).toEqual([]);
    expect(refusals({ family: 'omniglot', path: ['a.zip', `http://h/b.zip#sha256=${HEX}`], testPath: `https://h/c.zip#sha256=${HEX}`, shots: 1 })).toEqual([]);
    expect(refusals({ family: 'image-folder', path: `https://h/photos.zip#sha256=${HEX}`, testPath: `https://h/other.zip#sha256=${HEX}`, shots: 1 })).toEqual([]);
  });

  it('refuse an unpinned URL naming the field and how to pin it', () => {
    expect(refusals(csv('https://h/data/t.csv'))).toEqual([
      "tasks.path: https://h/data/t.csv is not pinned: end the URL with #sha256=<the file's sha256> (sha256sum t.csv prints it), so that every machine trains on the same bytes",
    ]);
    expect(refusals({ family: 'omniglot', path: ['a.zip', 'http://h/b.zip'], testPath: `https://h/c.zip#sha=${HEX}`, shots: 1 })).toEqual([
      "tasks.path[1]: http://h/b.zip is not pinned: end the URL with #sha256=<the file's sha256> (sha256sum b.zip prints it), so that every machine trains on the same bytes",
      `tasks.testPath: https://h/c.zip#sha=${HEX} has the fragment #sha=${HEX}; a URL's fragment must be #sha256=<the file's sha256> (sha256sum c.zip prints it), 64 hex digits`,
    ]);
    expect(refusals({ family: 'image-folder', path: 'photos', testPath: 'https://h/other.zip#sha256=abc', shots: 1 })).toEqual([
      "tasks.testPath: https://h/other.zip#sha256=abc has the fragment #sha256=abc; a URL's fragment must be #sha256=<the file's sha256> (sha256sum other.zip prints it), 64 hex digits",
    ]);
  });

  it('refuse s3:// and other schemes, saying what to use instead', () => {
    expect(refusals(csv('s3://bucket/t.csv'))).toEqual([
      "tasks.path: s3://bucket/t.csv is an s3:// URL, which metatrain does not download; name the data by an https:// URL pinned by its sha256 (a presigned URL works), by a catalog dataset, or put it in the cluster's METATRAIN_DATA_DIR",
    ]);
    expect(refusals(csv('gs://bucket/t.csv'))).toEqual([
      "tasks.path: gs://bucket/t.csv is a gs:// URL; data is a local path, a file:// URL, or an http(s):// URL pinned by #sha256=<the file's sha256>",
    ]);
    expect(dataPathProblem('https://exa mple.org/t.csv')).toBe('https://exa mple.org/t.csv is not a valid URL');
  });
});
