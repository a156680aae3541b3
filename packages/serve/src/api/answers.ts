import type { AdaptExportResult } from '@metatrain/metalearn';

function rows(values: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < values.length / width; r++) out.push(Array.from(values.subarray(r * width, (r + 1) * width)));
  return out;
}

/**
 * Predictions as `metatrain adapt --out` writes them: regression values (an array per example
 * when the model predicts several); for classification the predicted classes (by name when
 * the targets were names) and the logits.
 */
export function predictionsJson(result: Pick<AdaptExportResult, 'predictions' | 'predictionWidth' | 'predictedClasses'>, classNames: string[] | undefined): Record<string, unknown> {
  const outputs = rows(result.predictions, result.predictionWidth);
  if (!result.predictedClasses) return { predictions: result.predictionWidth === 1 ? outputs.map((r) => r[0]) : outputs };
  const classes = Array.from(result.predictedClasses);
  return { predictions: classNames ? classes.map((c) => classNames[c] ?? c) : classes, logits: outputs };
}

/** The answer to `:predict`: predictions, support losses, and the query's loss when it had targets. */
export function predictAnswer(result: AdaptExportResult, classNames: string[] | undefined): Record<string, unknown> {
  const query: Record<string, number> = {};
  const put = (key: string, v: number | undefined) => v !== undefined && (query[key] = v);
  put('lossBefore', result.queryLossBefore);
  put('lossAfter', result.queryLossAfter);
  put('accuracyBefore', result.queryAccuracyBefore);
  put('accuracyAfter', result.queryAccuracyAfter);
  return {
    ...predictionsJson(result, classNames),
    supportLosses: result.supportLosses,
    steps: result.steps,
    lr: result.lr ?? null,
    ...(Object.keys(query).length > 0 ? { query } : {}),
  };
}
