import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AdaptOutcome, formatAdaptReport, predictionsJson, writePredictions } from './adapt-outcome';

const regression: AdaptOutcome = {
  model: 'runs/sine/export',
  algorithm: 'maml',
  family: 'sinusoid',
  kind: 'regression',
  method: 'sgd',
  steps: 2,
  lr: 0.01,
  supportExamples: 5,
  queryExamples: 3,
  supportLosses: [1.5, 0.75, 0.5],
  queryLossBefore: 2,
  queryLossAfter: 0.6,
  predictions: new Float32Array([0.5, -1, 2]),
  width: 1,
};

const classification: AdaptOutcome = {
  ...regression,
  model: 'job omni-x1',
  algorithm: 'protonet',
  family: 'omniglot',
  kind: 'classification',
  method: 'prototypes',
  steps: 0,
  supportLosses: [0.25],
  queryLossBefore: undefined,
  queryLossAfter: 0.4,
  queryAccuracyAfter: 0.5,
  predictions: new Float32Array([1, 3, 2, 0]),
  width: 2,
  classNames: ['cat', 'dog'],
};

describe('adapt report', () => {
  it('shows the support loss per step and the query loss before → after', () => {
    expect(formatAdaptReport(regression)).toBe(
      [
        'adapted runs/sine/export (maml, sinusoid) to 5 support examples: 2 SGD steps, lr 0.01',
        'step   support loss',
        '0      1.5000',
        '1      0.7500',
        '2      0.5000',
        'query: 3 examples       before   →   after adaptation',
        '  loss                  2.0000   →   0.6000',
        '',
      ].join('\n'),
    );
    const withAccuracy = formatAdaptReport({ ...regression, kind: 'classification', queryAccuracyBefore: 0.2, queryAccuracyAfter: 0.8 });
    expect(withAccuracy).toContain('  accuracy              20.0 %   →   80.0 %\n');
    expect(formatAdaptReport({ ...regression, lr: undefined })).toContain('2 SGD steps, learned per-parameter learning rates');
    expect(formatAdaptReport({ ...regression, queryLossBefore: undefined, queryLossAfter: undefined })).toContain('query: 3 examples without targets (predictions only)');
  });

  it('keeps the columns apart for losses wider than the column', () => {
    const text = formatAdaptReport({ ...regression, queryLossBefore: 50417531624.33, queryLossAfter: 1409764135.14 });
    const [header, row] = text.split('\n').slice(-3, -1);
    expect(row).toMatch(/^ {2}loss {18}\S+ →/);
    expect(header?.indexOf('→')).toBe(row?.indexOf('→'));
  });

  it('shows prototypes without steps or a "before"', () => {
    const text = formatAdaptReport(classification);
    expect(text).toContain('to 5 support examples: class prototypes\n');
    expect(text).toContain('support loss (nearest prototype)   0.2500\n');
    expect(text).toContain('  loss                    0.4000\n  accuracy                50.0 %\n');
  });
});

describe('predictions file', () => {
  it('holds values for regression and named classes with logits for classification', () => {
    expect(predictionsJson(regression)).toMatchObject({ predictions: [0.5, -1, 2], query: { examples: 3, lossBefore: 2, lossAfter: 0.6 }, steps: 2, lr: 0.01 });
    expect(predictionsJson({ ...regression, predictions: new Float32Array([1, 2, 3, 4]), width: 2, queryExamples: 2 }).predictions).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(predictionsJson(classification)).toMatchObject({ predictions: ['dog', 'cat'], logits: [[1, 3], [2, 0]], query: { accuracyAfter: 0.5 } });
    expect(predictionsJson({ ...classification, classNames: undefined }).predictions).toEqual([1, 0]);
  });

  it('is written atomically, leaving no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'metatrain-predictions-'));
    try {
      await writePredictions(join(dir, 'p.json'), regression);
      expect(await readdir(dir)).toEqual(['p.json']);
      expect(JSON.parse(await readFile(join(dir, 'p.json'), 'utf8'))).toMatchObject({ predictions: [0.5, -1, 2] });
      await expect(writePredictions(join(dir, 'missing', 'p.json'), regression)).rejects.toThrow(/^cannot write predictions to .*p\.json: ENOENT$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
