export type Point = [number, number];

/**
 * At most `maxPoints` points that draw like `points` (sorted by x): per bucket of consecutive
 * points, the lowest and the highest in x order, so spikes and dips survive where plain
 * striding would drop them. First and last points are always kept.
 */
export function downsampleMinMax(points: readonly Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints) return [...points];
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const inner = points.length - 2;
  const out: Point[] = [points[0]!];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (from >= to) continue;
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (points[i]![1] < points[lo]![1]) lo = i;
      if (points[i]![1] > points[hi]![1]) hi = i;
    }
    if (lo === hi) out.push(points[lo]!);
    else out.push(points[Math.min(lo, hi)]!, points[Math.max(lo, hi)]!);
  }
  out.push(points[points.length - 1]!);
  return out;
}
