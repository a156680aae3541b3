import { describe, expect, it } from 'vitest';
import { createProgress, duration, fmt } from './progress-bar';

/** A writable that records what was written, with a settable clock. */
function fake(tty: boolean, columns = 100) {
  const chunks: string[] = [];
  let t = 0;
  return {
    chunks,
    stream: { isTTY: tty, columns, write: (s: string) => void chunks.push(s) },
    now: () => t,
    advance: (ms: number) => void (t += ms),
  };
}

// Anything but the newline that ends a plain line.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/;

describe('progress on a terminal', () => {
  it('shows counts as formatCount writes them (bytes, say)', () => {
    const f = fake(true, 100);
    const p = createProgress({ total: 2_000_000, stream: f.stream, now: f.now, label: 'x.zip', formatCount: (n) => `${(n / 1e6).toFixed(1)} MB` });
    f.advance(1000);
    p.update(500_000);
    expect(f.chunks).toEqual(['\r[======>                     ] x.zip 0.5 MB/2.0 MB 25% eta 0:03']);
  });

  it('redraws one line in place with bar, counter, fields and eta', () => {
    const f = fake(true, 100);
    const p = createProgress({ total: 5000, stream: f.stream, now: f.now });
    f.advance(3000);
    p.update(1200, { loss: 0.51234, 'tasks/s': 410 });
    expect(f.chunks).toEqual(['\r[======>                     ] 1200/5000 24% loss 0.512 · 410 tasks/s · eta 0:10']);
  });

  it('throttles redraws to about ten a second and pads over a longer previous line', () => {
    const f = fake(true, 100);
    const p = createProgress({ total: 100, stream: f.stream, now: f.now });
    p.update(1, { note: 'a long note here' });
    for (let i = 2; i <= 50; i++) {
      f.advance(10);
      p.update(i, {});
    }
    expect(f.chunks).toHaveLength(5); // at t = 0, 100, 200, 300, 400 ms
    expect(f.chunks[1]!.length).toBeGreaterThanOrEqual(f.chunks[0]!.length);
    expect(f.chunks.every((c) => c.startsWith('\r') && !c.includes('\n'))).toBe(true);
    p.finish();
    expect(f.chunks.at(-1)).toMatch(/^\r.*50\/100 50% in 0:00\s*\n$/);
    p.finish();
    p.update(99);
    expect(f.chunks).toHaveLength(6);
  });

  it('fits narrow terminals: drops the bar, then truncates', () => {
    const f = fake(true, 40);
    const p = createProgress({ total: 5000, stream: f.stream, now: f.now });
    f.advance(1000);
    p.update(1200, { loss: 0.5, 'tasks/s': 410 });
    const line = f.chunks[0]!.slice(1);
    expect(line.startsWith('1200/5000 24%')).toBe(true);
    expect(line.length).toBeLessThanOrEqual(39);
    expect(line.endsWith('…')).toBe(true);
  });

  it('keeps control characters from fields out of the line', () => {
    const f = fake(true);
    const p = createProgress({ total: 10, stream: f.stream, now: f.now });
    p.update(1, { phase: 'eval\r\u001b[31m\n' });
    expect(CONTROL.test(f.chunks[0]!.slice(1))).toBe(false);
  });
});

describe('progress in a log', () => {
  it('prints a plain line at every 10 % and never a control character', () => {
    const f = fake(false);
    const p = createProgress({ total: 5000, stream: f.stream, now: f.now, label: 'sinusoid-maml' });
    for (let done = 50; done <= 5000; done += 50) {
      f.advance(100);
      p.update(done, { loss: 1 / done });
    }
    p.finish();
    expect(f.chunks).toHaveLength(10);
    expect(f.chunks[0]).toBe('sinusoid-maml 500/5000 10% loss 0.00200 · eta 0:09\n');
    expect(f.chunks.at(-1)).toBe('sinusoid-maml 5000/5000 100% loss 2.00e-4\n');
    expect(f.chunks.every((c) => c.endsWith('\n') && !CONTROL.test(c))).toBe(true);
  });

  it('prints every 10 s when progress is slow, and a final line on finish', () => {
    const f = fake(false);
    const p = createProgress({ total: 1000, stream: f.stream, now: f.now });
    for (let done = 1; done <= 30; done++) {
      f.advance(1000);
      p.update(done);
    }
    expect(f.chunks).toEqual(['10/1000 1% eta 16:30\n', '20/1000 2% eta 16:20\n', '30/1000 3% eta 16:10\n']);
    f.advance(500);
    p.update(31);
    p.finish({ status: 'cancelled' });
    expect(f.chunks.at(-1)).toBe('31/1000 3% status cancelled · in 0:31\n');
  });

  it('counts only new work towards the rate of a resumed job, and copes with an unknown total', () => {
    const f = fake(false);
    const p = createProgress({ total: 1000, start: 900, stream: f.stream, now: f.now });
    f.advance(10_000);
    p.update(950);
    expect(f.chunks).toEqual(['950/1000 95% eta 0:10\n']);
    const g = fake(false);
    const q = createProgress({ total: 0, stream: g.stream, now: g.now });
    q.update(5);
    q.finish();
    expect(g.chunks).toEqual(['5 in 0:00\n']);
  });
});

describe('formatting', () => {
  it('formats durations and numbers', () => {
    expect([duration(7), duration(754), duration(3723), duration(-1)]).toEqual(['0:07', '12:34', '1:02:03', '0:00']);
    expect([fmt(0.51234), fmt(12.345), fmt(410), fmt(1234.5), fmt(1e-5), fmt(NaN), fmt('x')]).toEqual([
      '0.512',
      '12.3',
      '410',
      '1235',
      '1.00e-5',
      'NaN',
      'x',
    ]);
  });
});
