/** One named, shaped float32 array: a parameter, an optimizer slot, a gradient. */
export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** An ordered list of named arrays; order is part of the contract (reduction, codec, export). */
export type ParamSet = NamedArray[];

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function totalSize(params: ParamSet): number {
  return params.reduce((n, p) => n + p.values.length, 0);
}

/** A deep copy. */
export function cloneParams(params: ParamSet): ParamSet {
  return params.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.values) }));
}

/** Zeros with the same names and shapes. */
export function zerosLike(params: ParamSet): ParamSet {
  return params.map((p) => ({ name: p.name, shape: [...p.shape], values: new Float32Array(p.values.length) }));
}

/** Concatenates all values in order. */
export function flatten(params: ParamSet): Float32Array {
  const out = new Float32Array(totalSize(params));
  let offset = 0;
  for (const p of params) {
    out.set(p.values, offset);
    offset += p.values.length;
  }
  return out;
}

/** True when names, shapes and every bit of every value match. */
export function paramsEqual(a: ParamSet, b: ParamSet): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const q = b[i];
    if (!q || q.name !== p.name || q.shape.join() !== p.shape.join()) return false;
    const x = new Uint32Array(p.values.buffer, p.values.byteOffset, p.values.length);
    const y = new Uint32Array(q.values.buffer, q.values.byteOffset, q.values.length);
    return x.length === y.length && x.every((v, k) => v === y[k]);
  });
}

export function findParam(params: ParamSet, name: string): NamedArray {
  const p = params.find((q) => q.name === name);
  if (!p) throw new Error(`no parameter named ${name}`);
  return p;
}
