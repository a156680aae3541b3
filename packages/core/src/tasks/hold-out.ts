import { Purpose, Rng } from '../rng/counter-rng';

/** Plain code-unit order: the same on every machine and locale (unlike localeCompare). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 32-bit FNV-1a of a string's UTF-16 code units: a stable Rng key part for a name. */
export function nameKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * How many of n items a fraction holds out: round(fraction · n), but at least 1 and at most
 * n − 1 so both sides keep something (0 when n < 2).
 */
export function heldOutCount(n: number, fraction: number): number {
  if (n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
}

/**
 * A deterministic held-out subset of `names`: they are sorted (code-unit order), shuffled
 * with the fixed stream Rng(0, Purpose.DataSplit, ...key) and the first heldOutCount are
 * held out. Independent of the job seed, so every job on the same data holds out the same
 * items. Returns the held-out names, sorted.
 */
export function pickHeldOut(names: readonly string[], fraction: number, key: readonly number[] = []): string[] {
  const sorted = [...names].sort(compareCodeUnits);
  const shuffled = Rng.for(0, Purpose.DataSplit, ...key).shuffle(sorted);
  return shuffled.slice(0, heldOutCount(sorted.length, fraction)).sort(compareCodeUnits);
}
