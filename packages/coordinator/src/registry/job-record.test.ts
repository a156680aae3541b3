import { describe, expect, it } from 'vitest';
import { CorruptRecordError, parseJobRecord } from './job-record';

const record = { id: 'sine-abc123', name: 'sine', spec: 'name: sine\n', state: 'RUNNING', roundsCompleted: 4, totalRounds: 10, createdAt: 1, updatedAt: 2, backends: ['wasm'] };

describe('parseJobRecord', () => {
  it('returns a stored record as it was written, unknown fields dropped', () => {
    expect(parseJobRecord('k', JSON.stringify({ ...record, extra: 1 }))).toEqual(record);
  });

  it.each([
    ['{', 'not JSON'],
    ['[]', 'not an object'],
    ['7', 'not an object'],
    [JSON.stringify({ ...record, state: 'PAUSED' }), 'bad field state'],
    [JSON.stringify({ ...record, roundsCompleted: -1 }), 'bad field roundsCompleted'],
    [JSON.stringify({ ...record, totalRounds: 2.5 }), 'bad field totalRounds'],
    [JSON.stringify({ ...record, backends: ['wasm', 3] }), 'bad field backends.1'],
    [JSON.stringify({ ...record, id: undefined }), 'bad field id'],
  ])('refuses %s, naming the key and the field', (text, reason) => {
    const parse = () => parseJobRecord('metatrain:registry:job:x', text);
    expect(parse).toThrow(CorruptRecordError);
    expect(parse).toThrow(`job registry: metatrain:registry:job:x: ${reason}`);
  });
});
