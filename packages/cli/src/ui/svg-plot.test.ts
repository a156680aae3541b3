import { describe, expect, it } from 'vitest';
import { downsampleMinMax, type Point } from './downsample';
import { makeAxis, niceStep } from './plot-axes';
import { renderLearningCurves, type PlotSeries } from './svg-plot';

/** Checks that every element is closed in order; returns the element names seen. */
function checkWellFormed(svg: string): string[] {
  expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  const seen: string[] = [];
  const body = svg.replace(/^<\?xml[^>]*\?>/, '');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClosing) stack.push(name!);
    seen.push(name!);
  }
  expect(stack).toEqual([]);
  // Every '<' starts a tag the pattern recognised: no stray markup from names or labels.
  expect(body.match(/</g)?.length).toBe([...body.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g)].length);
  return seen;
}

const opts = { title: 'Sinusoid 5-shot', xLabel: 'iteration', yLabel: 'MSE' };
const curve = (n: number, f: (i: number) => number): [number, number][] => Array.from({ length: n }, (_, i) => [i, f(i)]);

describe('renderLearningCurves', () => {
  it('draws a standalone SVG with title, axes, ticks, grid and a legend entry per series', () => {
    const series: PlotSeries[] = [
      { name: 'maml', points: curve(100, (i) => 4 * Math.exp(-i / 20) + 0.5) },
      { name: 'reptile <lr=1> & "co"', points: curve(50, (i) => 3 - i / 50), color: '#000' },
    ];
    const svg = renderLearningCurves(series, opts);
    const elements = checkWellFormed(svg);
    expect(elements.filter((e) => e === 'path').length).toBe(3); // two curves and the axes
    expect(svg).toContain('>maml</text>');
    expect(svg).toContain('reptile &#60;lr=1&#62; &#38; &#34;co&#34;');
    expect(svg).toContain('>Sinusoid 5-shot</text>');
    expect(svg).toContain('>iteration</text>');
    expect(svg).toMatch(/>0<\/text>.*>20<\/text>/s); // x tick labels
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('survives empty, NaN-laden, single-point and constant series', () => {
    const svg = renderLearningCurves(
      [
        { name: 'empty', points: [] },
        { name: 'holes', points: [[0, NaN], [1, 2], [NaN, 3], [2, Infinity], [3, 1]] },
        { name: 'single', points: [[5, 0.25]] },
        { name: 'flat', points: curve(10, () => 1.13) },
      ],
      { ...opts, logY: true },
    );
    checkWellFormed(svg);
    expect(svg).toContain('empty (no data)');
    expect(svg).toContain('<circle');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    const more: [PlotSeries[], boolean][] = [
      [[], false],
      [[{ name: 'zeros', points: curve(5, () => 0) }], true],
      [[{ name: 'c', points: curve(5, () => 7) }], false],
    ];
    for (const [series, logY] of more) {
      const out = renderLearningCurves(series, { ...opts, logY });
      checkWellFormed(out);
      expect(out).not.toMatch(/NaN|Infinity|undefined/);
    }
    expect(renderLearningCurves([], opts)).toContain('>no data</text>');
  });

  it('downsamples long series to at most 2000 points but keeps their spikes', () => {
    const points = curve(100_000, (i) => (i === 77_777 ? 50 : 1 + (i % 7) / 100));
    const svg = renderLearningCurves([{ name: 'long', points }], opts);
    const d = /<path d="(M[^"]+)" fill="none" stroke="#1f77b4"/.exec(svg)?.[1] ?? '';
    const vertices = d.split(/[ML]/).filter(Boolean).map((p) => p.split(',').map(Number) as [number, number]);
    expect(vertices.length).toBeGreaterThan(1000);
    expect(vertices.length).toBeLessThanOrEqual(2000);
    expect(Math.min(...vertices.map((v) => v[1]))).toBeLessThan(60); // the spike reaches the top of the plot
  });
});

describe('downsampleMinMax', () => {
  it('keeps the ends and each bucket’s extremes in x order', () => {
    const points: Point[] = Array.from({ length: 10_000 }, (_, i) => [i, Math.sin(i / 100) + (i === 5000 ? -9 : 0)]);
    const out = downsampleMinMax(points, 2000);
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(out[0]).toEqual([0, 0]);
    expect(out.at(-1)).toEqual(points.at(-1));
    expect(out.some((p) => p[0] === 5000)).toBe(true);
    expect(out.every((p, i) => i === 0 || p[0] > out[i - 1]![0])).toBe(true);
    expect(downsampleMinMax(points.slice(0, 5), 2000)).toEqual(points.slice(0, 5));
  });
});

describe('axes', () => {
  it('picks 1-2-5 steps and widens to whole ticks', () => {
    expect([niceStep(0.13), niceStep(3), niceStep(7), niceStep(1000)]).toEqual([0.2, 5, 10, 1000]);
    expect(makeAxis(0.3, 5.9, false)).toMatchObject({ lo: 0, hi: 6, ticks: [0, 1, 2, 3, 4, 5, 6] });
    expect(makeAxis(0, 70_000, false, 8).labels).toEqual(['0', '10k', '20k', '30k', '40k', '50k', '60k', '70k']);
    expect(makeAxis(0.1, 0.35, false).labels).toEqual(['0.10', '0.15', '0.20', '0.25', '0.30', '0.35']);
  });

  it('gives constant and empty ranges a length', () => {
    expect(makeAxis(2, 2, false)).toMatchObject({ lo: 1.8, hi: 2.2 });
    expect(makeAxis(0, 0, false)).toMatchObject({ lo: -1, hi: 1 });
    expect(makeAxis(Infinity, -Infinity, false)).toMatchObject({ lo: 0, hi: 1 });
  });

  it('labels log axes with 1-2-5 ticks or whole decades', () => {
    expect(makeAxis(0.4, 6.5, true).labels).toEqual(['0.2', '0.5', '1', '2', '5', '10']);
    expect(makeAxis(1e-9, 1e3, true).labels).toEqual(['1e-9', '1e-7', '1e-5', '0.001', '0.1', '10', '1000']);
    const narrow = makeAxis(0.45, 0.62, true);
    expect(narrow.lo).toBeGreaterThan(0);
    expect(narrow.ticks.length).toBeGreaterThanOrEqual(2);
  });
});
