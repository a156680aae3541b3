import { describe, expect, it } from 'vitest';
import { freePort } from './support/free-port';
import { startCoordinatorUntil } from './support/services';

// The coordinator process's log as LOG_FORMAT asks (docs/RUNNING.md): a bad value is a
// configuration error naming the variable; `json` is one object per line.

describe('coordinator process log', () => {
  it('refuses a LOG_FORMAT other than text or json, naming it, in one text line', async () => {
    const { service, line, output } = await startCoordinatorUntil({ LOG_FORMAT: 'xml' }, /configuration error/);
    try {
      expect(line).toBe('coordinator: configuration error: LOG_FORMAT: expected text or json, got "xml"');
      expect(output.filter((l) => l !== '' && l !== line)).toEqual([]);
    } finally {
      await service.stop();
    }
  });

  it('with LOG_FORMAT=json writes a wait for Redis as a warning object', async () => {
    const port = await freePort(); // nothing listens there
    const { service, line } = await startCoordinatorUntil({ LOG_FORMAT: 'json', REDIS_URL: `redis://127.0.0.1:${port}` }, /waiting for Redis/);
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(record)).toEqual(['time', 'level', 'component', 'msg']);
      expect(record).toMatchObject({ level: 'warn', component: 'coordinator' });
      expect(record.msg).toMatch(new RegExp(`^waiting for Redis at redis://127\\.0\\.0\\.1:${port}: .* \\(retrying in 1 s\\)$`));
      expect(Date.now() - Date.parse(record.time as string)).toBeLessThan(60_000);
    } finally {
      await service.stop();
    }
  });
});
