import { renderLearningCurves } from '../ui/svg-plot';
import type { MetricsLine } from './metrics-log';

/** The learning-curve plot of a run: meta-train losses and, when present, held-out evaluation. */
export function learningCurvesSvg(name: string, lines: MetricsLine[], regression: boolean): string {
  const at = (pick: (l: MetricsLine) => number | undefined) =>
    lines.flatMap((l) => {
      const v = pick(l);
      return v === undefined || !Number.isFinite(v) ? [] : [[l.round + 1, v] as [number, number]];
    });
  const series = [
    { name: 'train: before adaptation', points: at((l) => l.preLoss), color: '#9aa5b1' },
    { name: 'train: after adaptation (meta-loss)', points: at((l) => l.postLoss), color: '#1f6feb' },
    { name: 'held-out: before adaptation', points: at((l) => l.eval?.preLoss), color: '#e8a33d' },
    { name: 'held-out: after adaptation', points: at((l) => l.eval?.postLoss), color: '#d1242f' },
  ].filter((s) => s.points.length > 0);
  return renderLearningCurves(series, {
    title: `${name}: query loss per round`,
    xLabel: 'round',
    yLabel: regression ? 'mean squared error' : 'cross-entropy',
    logY: true,
  });
}
