import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { type LogFormat, logFormatFromEnv, processLog } from './log';

const at = new Date('2026-12-08T01:02:03.456Z');

function written(format: LogFormat, component = 'coordinator') {
  const lines: string[] = [];
  const log = processLog({ format, component, write: (text) => lines.push(text), now: () => at });
  return { log, lines };
}

describe('processLog', () => {
  it('text: the line as it was', () => {
    const { log, lines } = written('text');
    log('coordinator: storage file:///data, grpc plaintext');
    log('job sine-abc123: failed: boom', { jobId: 'sine-abc123', level: 'error' });
    expect(lines).toEqual(['coordinator: storage file:///data, grpc plaintext\n', 'job sine-abc123: failed: boom\n']);
  });

  it('json: one object per line with time, level, component, the job id when known, and the message', () => {
    const { log, lines } = written('json', 'worker');
    log('worker: shard s-r0-b0-1 accepted (total 5 ms)', { jobId: 's' });
    log('job x: failed: Error: boom\n    at f (a.ts:1:1)', { jobId: 'x', level: 'error' });
    log('worker ready: w1 backend=wasm');
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { time: '2026-12-08T01:02:03.456Z', level: 'info', component: 'worker', jobId: 's', msg: 'shard s-r0-b0-1 accepted (total 5 ms)' },
      { time: '2026-12-08T01:02:03.456Z', level: 'error', component: 'worker', jobId: 'x', msg: 'job x: failed: Error: boom\n    at f (a.ts:1:1)' },
      { time: '2026-12-08T01:02:03.456Z', level: 'info', component: 'worker', msg: 'worker ready: w1 backend=wasm' },
    ]);
    expect(Object.keys(JSON.parse(lines[0] ?? '') as object)).toEqual(['time', 'level', 'component', 'jobId', 'msg']);
  });
});

describe('logFormatFromEnv', () => {
  it('reads LOG_FORMAT, text when unset or empty', () => {
    expect(logFormatFromEnv({})).toBe('text');
    expect(logFormatFromEnv({ LOG_FORMAT: '' })).toBe('text');
    expect(logFormatFromEnv({ LOG_FORMAT: 'json' })).toBe('json');
    expect(logFormatFromEnv({ LOG_FORMAT: 'text' })).toBe('text');
  });

  it('refuses anything else, naming the variable and the value', () => {
    expect(() => logFormatFromEnv({ LOG_FORMAT: 'JSON' })).toThrow(new ConfigError('LOG_FORMAT', 'expected text or json, got "JSON"'));
    expect(() => logFormatFromEnv({ LOG_FORMAT: 'logfmt' })).toThrow(ConfigError);
  });
});
