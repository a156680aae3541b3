/** Axis domains, tick positions and tick labels for the SVG plots. */

export interface Axis {
  /** The domain the axis spans (both ends finite, lo < hi; > 0 on a log axis). */
  lo: number;
  hi: number;
  log: boolean;
  ticks: number[];
  /** Labels for `ticks`, same order. */
  labels: string[];
}

/**
 * An axis covering [min, max] with about `target` ticks at 1, 2 or 5 × 10^k. A linear axis is
 * widened to the ticks around the data; an empty or constant range is widened so the axis
 * still has a length. On a log axis, min and max must be > 0.
 */
export function makeAxis(min: number, max: number, log: boolean, target = 6): Axis {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || min > max) {
    [min, max] = log ? [1, 10] : [0, 1];
  }
  if (log) return logAxis(Math.max(min, Number.MIN_VALUE), Math.max(max, Number.MIN_VALUE), target);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    [min, max] = [min - pad, max + pad];
  }
  const step = niceStep((max - min) / target);
  const first = Math.floor(min / step);
  const last = Math.ceil(max / step);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(k * step);
  return { lo: first * step, hi: last * step, log: false, ticks, labels: formatTicks(ticks, step) };
}

function logAxis(min: number, max: number, target: number): Axis {
  if (min === max) [min, max] = [min / 2, max * 2];
  const decades = Math.log10(max / min);
  if (decades < 1) {
    // Less than a decade: decade ticks would be too sparse, use evenly stepped ones.
    const pad = (max / min) ** 0.05;
    const [lo, hi] = [min / pad, max * pad];
    const step = niceStep((hi - lo) / Math.max(2, target - 2));
    const ticks: number[] = [];
    for (let k = Math.ceil(lo / step); k * step <= hi; k++) if (k > 0) ticks.push(k * step);
    return { lo, hi, log: true, ticks, labels: formatTicks(ticks, step) };
  }
  if (decades <= 4) {
    // A few decades: 1, 2 and 5 of each, the axis widened to the ticks around the data.
    const candidates: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) candidates.push(Number((m * 10 ** e).toPrecision(1)));
    }
    const lo = Math.max(...candidates.filter((c) => c <= min * (1 + 1e-12)));
    const hi = Math.min(...candidates.filter((c) => c >= max * (1 - 1e-12)));
    const ticks = candidates.filter((c) => c >= lo && c <= hi);
    return { lo, hi, log: true, ticks, labels: ticks.map(formatLogTick) };
  }
  // Many decades: whole decades, thinned to about `target` ticks.
  const loExp = Math.floor(Math.log10(min));
  const hiExp = Math.ceil(Math.log10(max));
  const every = Math.max(1, Math.ceil((hiExp - loExp) / target));
  const ticks: number[] = [];
  for (let e = loExp; e <= hiExp; e += every) ticks.push(10 ** e);
  return { lo: 10 ** loExp, hi: 10 ** hiExp, log: true, ticks, labels: ticks.map(formatLogTick) };
}

/** The 1-2-5 number nearest above `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}

/** Labels with just enough decimals to tell neighbouring ticks apart. */
export function formatTicks(ticks: number[], step: number): string[] {
  const biggest = Math.max(...ticks.map(Math.abs), 0);
  if (biggest >= 1e6 || (biggest > 0 && biggest < 1e-3)) {
    const digits = Math.min(6, Math.max(0, Math.ceil(Math.log10(biggest / step))));
    return ticks.map((t) => (t === 0 ? '0' : t.toExponential(digits).replace(/\.?0+e/, 'e').replace('e+', 'e')));
  }
  if (biggest >= 1e4 && step >= 1000) return ticks.map((t) => (t === 0 ? '0' : `${round(t / 1000, 3)}k`));
  const decimals = Math.min(10, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
  return ticks.map((t) => {
    const s = t.toFixed(decimals);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  });
}

/** 0.002, 50, 1e-7, 2e9: a one-digit mantissa, plain unless very small or large. */
function formatLogTick(t: number): string {
  const e = Math.floor(Math.log10(t) + 1e-9);
  return e >= -3 && e <= 5 ? String(Number(t.toPrecision(1))) : t.toExponential(0).replace('e+', 'e');
}

function round(v: number, decimals: number): number {
  return Number(v.toFixed(Math.max(0, Math.min(20, decimals))));
}
