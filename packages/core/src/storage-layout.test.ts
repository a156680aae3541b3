import { describe, expect, it } from 'vitest';
import { parseCheckpointEntry, storageKeys } from './storage-layout';

describe('storageKeys', () => {
  it('puts a coordinator job below jobs/{id}/ of its storage', () => {
    const keys = storageKeys.coordinatorJob('sine-abc123');
    expect(keys.jobId).toBe('sine-abc123');
    expect(keys.root).toBe('jobs/sine-abc123/');
    expect(keys.spec).toBe('jobs/sine-abc123/spec.json');
    expect(keys.latest).toBe('jobs/sine-abc123/LATEST');
    expect(keys.checkpoints).toBe('jobs/sine-abc123/checkpoints/');
    expect(keys.checkpoint(500)).toBe('jobs/sine-abc123/checkpoints/00000500/');
    expect(keys.export).toBe('jobs/sine-abc123/export/');
    expect(keys.exportFile('meta.json')).toBe('jobs/sine-abc123/export/meta.json');
  });

  it('makes a run directory the root of its job', () => {
    const keys = storageKeys.runDirectory('sinusoid-maml');
    expect(keys.jobId).toBe('sinusoid-maml');
    expect(keys.root).toBe('');
    expect([keys.spec, keys.latest, keys.checkpoint(7), keys.exportFile('weights.bin')]).toEqual(['spec.json', 'LATEST', 'checkpoints/00000007/', 'export/weights.bin']);
  });

  it('sorts checkpoint keys in version order', () => {
    const keys = storageKeys.runDirectory('j');
    const versions = [1000, 20, 3];
    expect(versions.map((v) => keys.checkpoint(v)).sort()).toEqual([3, 20, 1000].map((v) => keys.checkpoint(v)));
  });
});

describe('parseCheckpointEntry', () => {
  it('reads {digits}/{file} and nothing else', () => {
    expect(parseCheckpointEntry('00000500/params.bin')).toEqual({ version: 500, file: 'params.bin' });
    expect(parseCheckpointEntry('00000500/deeper/params.bin')).toBeUndefined();
    expect(parseCheckpointEntry('latest/params.bin')).toBeUndefined();
  });
});
