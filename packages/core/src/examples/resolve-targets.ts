import { fileError, type RawExamples, type RawTarget } from './parse-examples';

/** How the model's outputs read: regression values, or classes (with names when the files used names). */
export interface TargetSpace {
  kind: 'regression' | 'classification';
  /** regression: values per example; classification: the model's classes, when fixed (undefined for ProtoNets or when unknown) */
  outputs: number | undefined;
  /** the export's class names (meta.json output.labels), which named targets refer to */
  labels?: string[];
}

export interface ResolvedTargets {
  support: Float32Array | Int32Array;
  query?: Float32Array | Int32Array;
  /** classification with named targets: the name of each class index */
  classNames?: string[];
  /** regression: values per example */
  width: number;
}

function regression(raw: RawExamples, outputs: number | undefined): { y: Float32Array; width: number } {
  const targets = raw.targets ?? [];
  const widthOf = (t: RawTarget) => (Array.isArray(t) ? t.length : 1);
  const width = outputs ?? widthOf(targets[0] ?? 0);
  const y = new Float32Array(raw.n * width);
  targets.forEach((t, i) => {
    if (typeof t === 'string') throw fileError(raw.file, raw.targetAt(i), `${JSON.stringify(t)} is not a number (the model does regression)`);
    if (widthOf(t) !== width) throw fileError(raw.file, raw.targetAt(i), `${widthOf(t)} value(s), but the model predicts ${width} per example`);
    y.set(Array.isArray(t) ? t : [t], i * width);
  });
  return { y, width };
}

function classIndex(raw: RawExamples, i: number, t: number, outputs: number | undefined): number {
  if (!Number.isInteger(t) || t < 0) throw fileError(raw.file, raw.targetAt(i), `${t} is not a class index (0, 1, 2, …) or a class name`);
  if (outputs !== undefined && t >= outputs) throw fileError(raw.file, raw.targetAt(i), `class ${t} is out of range: the model has ${outputs} classes (0 to ${outputs - 1})`);
  return t;
}

/**
 * Class targets as indices. Numbers are class indices; names map to the export's labels when
 * it has them, otherwise to 0, 1, … in order of first appearance in the support file (the
 * query may only use names the support set has).
 */
function classification(support: RawExamples, query: RawExamples | undefined, space: TargetSpace): ResolvedTargets {
  const sides = [support, ...(query?.targets ? [query] : [])];
  const named = sides.some((s) => s.targets?.some((t) => typeof t === 'string'));
  for (const side of sides) {
    side.targets?.forEach((t, i) => {
      if (Array.isArray(t)) throw fileError(side.file, side.targetAt(i), 'a classification target is one class, not an array');
    });
  }
  if (!named) {
    const indices = (s: RawExamples) => Int32Array.from(s.targets as number[], (t, i) => classIndex(s, i, t, space.outputs));
    return { support: indices(support), ...(query?.targets ? { query: indices(query) } : {}), width: 1 };
  }
  const names = space.labels ? [...space.labels] : [];
  const fixed = space.labels !== undefined;
  const indexOf = (side: RawExamples, i: number, t: RawTarget): number => {
    const name = String(t);
    let k = names.indexOf(name);
    if (k < 0 && !fixed && side === support) k = names.push(name) - 1;
    if (k < 0) {
      const known = fixed ? `one of the model's classes` : 'a class of the support set';
      throw fileError(side.file, side.targetAt(i), `${JSON.stringify(name)} is not ${known} (${names.join(', ')})`);
    }
    if (space.outputs !== undefined && k >= space.outputs) {
      throw fileError(side.file, side.targetAt(i), `${JSON.stringify(name)} would be class ${k}, but the model has ${space.outputs} classes`);
    }
    return k;
  };
  const map = (s: RawExamples) => Int32Array.from(s.targets as RawTarget[], (t, i) => indexOf(s, i, t));
  const supportY = map(support);
  return { support: supportY, ...(query?.targets ? { query: map(query) } : {}), classNames: names, width: 1 };
}

/** The support (and query) targets as the model wants them; mistakes name the file and row. */
export function resolveTargets(support: RawExamples, query: RawExamples | undefined, space: TargetSpace): ResolvedTargets {
  if (space.kind === 'classification') return classification(support, query, space);
  const s = regression(support, space.outputs);
  const q = query?.targets ? regression(query, s.width) : undefined;
  return { support: s.y, ...(q ? { query: q.y } : {}), width: s.width };
}
