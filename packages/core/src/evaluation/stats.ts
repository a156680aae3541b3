/** Summary statistics for evaluation reports (docs/RESULTS.md reports mean ± 95 % CI). */

export interface MeanCi {
  mean: number;
  /** Half-width of the normal-approximation 95 % interval: 1.96 · sd / √n (sd with n − 1). */
  ci95: number;
  n: number;
}

/**
 * Mean and 95 % confidence half-width over `values`. With no values the mean is NaN; with one
 * the interval is unknown and ci95 is NaN (not 0, which would claim certainty).
 */
export function meanCi95(values: readonly number[]): MeanCi {
  const n = values.length;
  if (n === 0) return { mean: NaN, ci95: NaN, n };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { mean, ci95: NaN, n };
  // Two passes: summing squared deviations from the mean avoids the cancellation of Σx² − n·mean².
  const variance = values.reduce((s, v) => s + (v - mean) * (v - mean), 0) / (n - 1);
  return { mean, ci95: (1.96 * Math.sqrt(variance)) / Math.sqrt(n), n };
}

/** Fraction of positions where the predicted label equals the actual one; NaN when empty. */
export function accuracy(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkSameLength(predicted, actual);
  if (actual.length === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) correct++;
  return correct / actual.length;
}

/**
 * Unweighted mean over classes of F1 = 2·TP / (2·TP + FP + FN). Labels are integers in
 * [0, classes). A class that neither occurs nor is predicted has no F1 and is left out of the
 * mean (as scikit-learn does when it infers the labels), so passing a generous `classes` does
 * not dilute the score. NaN when there are no labels at all.
 */
export function macroF1(predicted: ArrayLike<number>, actual: ArrayLike<number>, classes: number): number {
  checkSameLength(predicted, actual);
  if (!Number.isSafeInteger(classes) || classes < 1) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  const tp = new Float64Array(classes);
  const fp = new Float64Array(classes);
  const fn = new Float64Array(classes);
  for (let i = 0; i < actual.length; i++) {
    const p = checkLabel(predicted[i], classes, 'predicted', i);
    const a = checkLabel(actual[i], classes, 'actual', i);
    if (p === a) tp[a]!++;
    else {
      fp[p]!++;
      fn[a]!++;
    }
  }
  let sum = 0;
  let counted = 0;
  for (let c = 0; c < classes; c++) {
    const denominator = 2 * tp[c]! + fp[c]! + fn[c]!;
    if (denominator === 0) continue;
    sum += (2 * tp[c]!) / denominator;
    counted++;
  }
  return counted === 0 ? NaN : sum / counted;
}

function checkSameLength(predicted: ArrayLike<number>, actual: ArrayLike<number>): void {
  if (predicted.length !== actual.length) {
    throw new RangeError(`${predicted.length} predictions for ${actual.length} labels`);
  }
}

function checkLabel(label: number | undefined, classes: number, which: string, i: number): number {
  if (label === undefined || !Number.isInteger(label) || label < 0 || label >= classes) {
    throw new RangeError(`${which}[${i}] = ${label} is not a class in [0, ${classes})`);
  }
  return label;
}
