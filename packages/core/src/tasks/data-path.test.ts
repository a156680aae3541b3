import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors';
import { resolveDataPath } from './data-path';

describe('resolveDataPath', () => {
  it('resolves relative paths against the base directory and accepts file URLs', () => {
    expect(resolveDataPath('data/x.csv', '/specs', 'tasks.path')).toBe(join('/specs', 'data/x.csv'));
    expect(resolveDataPath('/abs/x.zip', '/specs', 'tasks.path')).toBe('/abs/x.zip');
    expect(resolveDataPath(pathToFileURL('/abs/x y.zip').href, '/specs', 'tasks.path')).toBe('/abs/x y.zip');
  });

  it('rejects remote URLs with the field named', () => {
    expect(() => resolveDataPath('s3://bucket/omniglot.zip', '/specs', 'tasks.path[0]')).toThrow(SpecError);
    expect(() => resolveDataPath('s3://bucket/omniglot.zip', '/specs', 'tasks.path[0]')).toThrow(
      'tasks.path[0]: s3://bucket/omniglot.zip is a s3:// URL; task data must be a local file (download it first)',
    );
  });
});
