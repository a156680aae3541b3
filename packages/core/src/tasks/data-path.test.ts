import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors';
import { resolveDataPath } from './data-path';

describe('resolveDataPath', () => {
  it('resolves relative paths against the base directory and accepts file URLs', () => {
    expect(resolveDataPath('data/x.csv', { baseDir: '/specs' }, 'tasks.path')).toBe(join('/specs', 'data/x.csv'));
    expect(resolveDataPath('/abs/x.zip', { baseDir: '/specs' }, 'tasks.path')).toBe('/abs/x.zip');
    expect(resolveDataPath(pathToFileURL('/abs/x y.zip').href, { baseDir: '/specs' }, 'tasks.path')).toBe('/abs/x y.zip');
  });

  it('rejects URLs it cannot read with the field named, as validation does', () => {
    expect(() => resolveDataPath('s3://bucket/omniglot.zip', { baseDir: '/specs' }, 'tasks.path[0]')).toThrow(SpecError);
    expect(() => resolveDataPath('s3://bucket/omniglot.zip', { baseDir: '/specs' }, 'tasks.path[0]')).toThrow(/^tasks\.path\[0\]: s3:\/\/bucket\/omniglot\.zip is an s3:\/\/ URL, which metatrain does not download; /);
    expect(() => resolveDataPath('https://h/omniglot.zip', { baseDir: '/specs' }, 'tasks.path')).toThrow(/^tasks\.path: https:\/\/h\/omniglot\.zip is not pinned: /);
  });

  it('leads a pinned URL to its downloaded copy, looked up by the exact spec string', () => {
    const url = `https://h/t.csv#sha256=${'cd'.repeat(32)}`;
    expect(resolveDataPath(url, { baseDir: '/specs', files: new Map([[url, '/cache/urls/cd']]) }, 'tasks.path')).toBe('/cache/urls/cd');
    expect(() => resolveDataPath(url, { baseDir: '/specs', files: new Map() }, 'tasks.testPath')).toThrow(`tasks.testPath: ${url} is downloaded by each process that runs the job, and this process has not fetched it`);
  });

  it('leads a stored reference to its fetched copy, and names the field when it was not fetched', () => {
    const ref = `sha256:${'ab'.repeat(32)}`;
    expect(resolveDataPath(ref, { baseDir: '/specs', files: new Map([[ref, '/cache/ab']]) }, 'tasks.path')).toBe('/cache/ab');
    expect(() => resolveDataPath(ref, { baseDir: '/specs' }, 'tasks.testPath')).toThrow(`tasks.testPath: ${ref} is data stored with a job on a coordinator, and this process has not fetched it`);
  });
});
