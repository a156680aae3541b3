import { downsampleMinMax, type Point } from './downsample';
import { makeAxis, type Axis } from './plot-axes';

export interface PlotSeries {
  name: string;
  points: [number, number][];
  /** Any SVG colour; a palette colour by default. */
  color?: string;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic y axis; points with y ≤ 0 are left out. */
  logY?: boolean;
  /** @default 800 */
  width?: number;
  /** @default 480 */
  height?: number;
}

/** Series longer than this are reduced (min/max per bucket) before drawing. */
export const MAX_POINTS_PER_SERIES = 2000;

// The matplotlib "tab10" palette: distinct, and familiar from papers.
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const CHAR_WIDTH = 6.8; // rough width of a 12 px character, to size the legend

/**
 * A standalone SVG document with one line per series: title, axes with tick labels, grid and
 * legend. Non-finite points (and y ≤ 0 on a log axis) are dropped; empty and constant series
 * still give a valid plot.
 */
export function renderLearningCurves(series: readonly PlotSeries[], opts: PlotOptions): string {
  const width = opts.width ?? 800;
  const height = opts.height ?? 480;
  const logY = opts.logY === true;
  const cleaned = series.map((s, i) => ({
    name: s.name,
    color: s.color ?? PALETTE[i % PALETTE.length]!,
    points: downsampleMinMax(clean(s.points, logY), MAX_POINTS_PER_SERIES),
  }));
  const all = cleaned.flatMap((s) => s.points);
  const xAxis = makeAxis(Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0])), false, 8);
  const yAxis = makeAxis(Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1])), logY, 6);

  const longestName = Math.max(0, ...cleaned.map((s) => legendText(s).length));
  const legendWidth = series.length > 0 ? Math.min(240, 40 + longestName * CHAR_WIDTH) : 0;
  const yLabelWidth = Math.max(...yAxis.labels.map((l) => l.length)) * CHAR_WIDTH;
  const box = {
    left: Math.round(36 + yLabelWidth),
    top: opts.title ? 44 : 16,
    right: width - 16 - legendWidth,
    bottom: height - 52,
  };
  const sx = (x: number) => box.left + ((x - xAxis.lo) / (xAxis.hi - xAxis.lo)) * (box.right - box.left);
  const sy = (y: number) => box.bottom - scaled(yAxis, y) * (box.bottom - box.top);

  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(FONT)}" font-size="12">`,
    `<title>${esc(opts.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<defs><clipPath id="plot-area"><rect x="${n(box.left)}" y="${n(box.top)}" width="${n(box.right - box.left)}" height="${n(box.bottom - box.top)}"/></clipPath></defs>`,
  ];
  if (opts.title) {
    out.push(`<text x="${n((box.left + box.right) / 2)}" y="26" text-anchor="middle" font-size="16" font-weight="600" fill="#111827">${esc(opts.title)}</text>`);
  }

  // Grid and ticks.
  const grid: string[] = [];
  const labels: string[] = [];
  xAxis.ticks.forEach((t, i) => {
    const x = n(sx(t));
    grid.push(`<line x1="${x}" y1="${n(box.top)}" x2="${x}" y2="${n(box.bottom + 5)}"/>`);
    labels.push(`<text x="${x}" y="${n(box.bottom + 19)}" text-anchor="middle">${esc(xAxis.labels[i] ?? '')}</text>`);
  });
  yAxis.ticks.forEach((t, i) => {
    const y = n(sy(t));
    grid.push(`<line x1="${n(box.left - 5)}" y1="${y}" x2="${n(box.right)}" y2="${y}"/>`);
    labels.push(`<text x="${n(box.left - 8)}" y="${y}" dy="0.32em" text-anchor="end">${esc(yAxis.labels[i] ?? '')}</text>`);
  });
  out.push(`<g stroke="#e5e7eb" stroke-width="1">${grid.join('')}</g>`);
  out.push(
    `<path d="M${n(box.left)},${n(box.top)}V${n(box.bottom)}H${n(box.right)}" fill="none" stroke="#374151" stroke-width="1"/>`,
  );
  out.push(`<g fill="#374151">${labels.join('')}</g>`);
  out.push(`<text x="${n((box.left + box.right) / 2)}" y="${n(height - 12)}" text-anchor="middle" fill="#111827">${esc(opts.xLabel)}</text>`);
  const midY = n((box.top + box.bottom) / 2);
  out.push(`<text x="14" y="${midY}" transform="rotate(-90 14 ${midY})" text-anchor="middle" dy="0.32em" fill="#111827">${esc(opts.yLabel)}</text>`);

  // The curves, clipped to the plot area.
  const curves = cleaned.map((s) => {
    if (s.points.length === 1) {
      const [p] = s.points as [Point];
      return `<circle cx="${n(sx(p[0]))}" cy="${n(sy(p[1]))}" r="3" fill="${esc(s.color)}"/>`;
    }
    if (s.points.length === 0) return '';
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(sx(p[0]))},${n(sy(p[1]))}`).join('');
    return `<path d="${d}" fill="none" stroke="${esc(s.color)}" stroke-width="1.75" stroke-linejoin="round" stroke-linecap="round"/>`;
  });
  out.push(`<g clip-path="url(#plot-area)">${curves.join('')}</g>`);
  if (all.length === 0) {
    out.push(`<text x="${n((box.left + box.right) / 2)}" y="${midY}" text-anchor="middle" fill="#6b7280">no data</text>`);
  }

  // Legend, right of the plot.
  const legendX = box.right + 16;
  const entries = cleaned.map((s, i) => {
    const y = box.top + 8 + i * 20;
    return (
      `<line x1="${n(legendX)}" y1="${n(y)}" x2="${n(legendX + 22)}" y2="${n(y)}" stroke="${esc(s.color)}" stroke-width="2.5"/>` +
      `<text x="${n(legendX + 28)}" y="${n(y)}" dy="0.32em" fill="#111827">${esc(legendText(s))}</text>`
    );
  });
  out.push(`<g>${entries.join('')}</g>`, '</svg>', '');
  return out.join('\n');
}

/** Finite points sorted by x (stable), without y ≤ 0 on a log axis. */
function clean(points: readonly [number, number][], logY: boolean): Point[] {
  return points
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0))
    .map(([x, y]): Point => [x, y])
    .sort((a, b) => a[0] - b[0]);
}

function legendText(s: { name: string; points: Point[] }): string {
  const name = s.name.length > 30 ? `${s.name.slice(0, 29)}…` : s.name;
  return s.points.length === 0 ? `${name} (no data)` : name;
}

/** Position of `v` along the axis in [0, 1]. */
function scaled(axis: Axis, v: number): number {
  if (!axis.log) return (v - axis.lo) / (axis.hi - axis.lo);
  return (Math.log10(v) - Math.log10(axis.lo)) / (Math.log10(axis.hi) - Math.log10(axis.lo));
}

/** A coordinate with two decimals; never 'NaN' in the document. */
function n(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0';
}

/** Escapes markup; drops control characters, which XML does not allow even as references. */
function esc(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
