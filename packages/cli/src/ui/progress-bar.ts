/**
 * Progress on stderr. On a terminal: one line redrawn in place (at most ~10 times a second),
 * fitted to the terminal width:
 *
 *   [=====>      ] 1200/5000 24% loss 0.512 · 410 tasks/s · eta 0:12
 *
 * Anywhere else (CI logs, files, pipes): a plain line every 10 % or every 10 s, no control
 * characters, so logs stay readable.
 */

/** The part of a stream the progress display needs; process.stderr fits. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Shown after the counter in insertion order: `key value`, or `value key` for rates ('tasks/s'). */
export type ProgressFields = Record<string, string | number>;

export interface ProgressOptions {
  /** The count at which the work is done; 0 or less means unknown (no bar, %, or eta). */
  total: number;
  /** @default process.stderr */
  stream?: ProgressStream;
  /** Printed before the counter, e.g. the job name. */
  label?: string;
  /** Already done at creation (a resumed job), so the rate and eta count only new work. @default 0 */
  start?: number;
  /** Milliseconds clock; tests replace it. @default performance.now */
  now?: () => number;
  /** How the counter shows a count (bytes as `1.3 MB`, say). @default String */
  formatCount?: (n: number) => string;
}

export interface Progress {
  /** Records progress; draws when the throttle or the 10 % / 10 s rule allows. */
  update(done: number, fields?: ProgressFields): void;
  /** Draws the final state and ends the line. Later calls do nothing. */
  finish(fields?: ProgressFields): void;
}

const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 10_000;
const MAX_BAR = 30;
const MIN_BAR = 10;

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const now = options.now ?? (() => performance.now());
  const total = Number.isFinite(options.total) && options.total > 0 ? options.total : 0;
  const start = options.start ?? 0;
  const count = options.formatCount ?? String;
  const t0 = now();

  let done = start;
  let fields: ProgressFields = {};
  let finished = false;
  let lastDraw = -Infinity;
  let drawnWidth = 0;
  let lastPrint = t0;
  let printedDecile = decile(start);
  let printedDone = start;

  function text(t: number, final: boolean): string {
    const parts: string[] = [];
    const counter = total > 0 ? `${count(done)}/${count(total)} ${Math.floor((100 * Math.min(done, total)) / total)}%` : count(done);
    parts.push(options.label ? `${clean(options.label)} ${counter}` : counter);
    const shown = Object.entries(fields).map(([k, v]) => (k.endsWith('/s') ? `${fmt(v)} ${clean(k)}` : `${clean(k)} ${fmt(v)}`));
    const seconds = (t - t0) / 1000;
    const rate = seconds > 0 ? (done - start) / seconds : 0;
    if (final) shown.push(`in ${duration(seconds)}`);
    else if (total > 0 && rate > 0 && done < total) shown.push(`eta ${duration((total - done) / rate)}`);
    return shown.length > 0 ? `${parts.join(' ')} ${shown.join(' · ')}` : parts.join(' ');
  }

  function draw(t: number, final: boolean): void {
    const columns = Math.max(20, stream.columns ?? 80) - 1; // never touch the last column: it wraps
    let line = text(t, final);
    const barWidth = Math.min(MAX_BAR, columns - line.length - 3);
    if (total > 0 && barWidth >= MIN_BAR) line = `${bar(Math.min(done, total) / total, barWidth)} ${line}`;
    if (line.length > columns) line = `${line.slice(0, columns - 1)}…`;
    // Pad over the remains of a longer previous line instead of relying on escape codes.
    stream.write(`\r${line.padEnd(drawnWidth)}${final ? '\n' : ''}`);
    drawnWidth = line.length;
    lastDraw = t;
  }

  function print(t: number, final: boolean): void {
    stream.write(`${text(t, final)}\n`);
    lastPrint = t;
    printedDecile = decile(done);
    printedDone = done;
  }

  function decile(n: number): number {
    return total > 0 ? Math.floor((10 * Math.min(n, total)) / total) : 0;
  }

  return {
    update(n, f = {}) {
      if (finished) return;
      done = n;
      fields = f;
      const t = now();
      if (tty) {
        if (t - lastDraw >= TTY_INTERVAL_MS) draw(t, false);
      } else if (decile(done) > printedDecile || t - lastPrint >= PLAIN_INTERVAL_MS) {
        print(t, false);
      }
    },
    finish(f) {
      if (finished) return;
      finished = true;
      if (f) fields = f;
      const t = now();
      if (tty) draw(t, true);
      else if (printedDone !== done || done === start) print(t, true);
    },
  };
}

function bar(fraction: number, width: number): string {
  const inner = width - 2;
  const filled = Math.round(fraction * inner);
  const body = filled >= inner ? '='.repeat(inner) : filled > 0 ? `${'='.repeat(filled - 1)}>` : '';
  return `[${body.padEnd(inner)}]`;
}

/** 0:07, 12:34, 1:02:03. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Three significant digits for fractions, whole numbers as they are. */
export function fmt(value: string | number): string {
  if (typeof value === 'string') return clean(value);
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 1e-3) return value.toPrecision(3);
  return value.toExponential(2);
}

/** Control characters in a field would break the one-line redraw or the plain log. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}
