import { renderLearningCurves } from '../ui/svg-plot';
import type { MetricsLine } from './metrics-log';

/** Points per curve; longer runs are averaged over windows of rounds, which also smooths the noise of single meta-batches. */
const MAX_POINTS = 300;

function windowMeans(points: Array<[number, number]>, window: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < points.length; i += window) {
    const part = points.slice(i, i + window);
    out.push([part[part.length - 1]?.[0] ?? 0, part.reduce((a, p) => a + p[1], 0) / part.length]);
  }
  return out;
}

/** The learning-curve plot of a run: meta-train losses and, when present, held-out evaluation. */
export function learningCurvesSvg(name: string, lines: MetricsLine[], regression: boolean): string {
  const window = Math.max(1, Math.ceil(lines.length / MAX_POINTS));
  const at = (pick: (l: MetricsLine) => number | undefined) =>
    lines.flatMap((l) => {
      const v = pick(l);
      return v === undefined || !Number.isFinite(v) ? [] : [[l.round + 1, v] as [number, number]];
    });
  const series = [
    { name: 'train, before adaptation', points: windowMeans(at((l) => l.preLoss), window), color: '#9aa5b1' },
    { name: 'train, after adaptation', points: windowMeans(at((l) => l.postLoss), window), color: '#1f6feb' },
    { name: 'held-out, before adaptation', points: at((l) => l.eval?.preLoss), color: '#e8a33d' },
    { name: 'held-out, after adaptation', points: at((l) => l.eval?.postLoss), color: '#d1242f' },
  ].filter((s) => s.points.length > 0);
  return renderLearningCurves(series, {
    title: `${name}: query loss${window > 1 ? ` (train: mean of ${window} rounds)` : ''}`,
    xLabel: 'round',
    yLabel: regression ? 'mean squared error' : 'cross-entropy',
    logY: true,
  });
}
