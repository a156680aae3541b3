import type { ParamSet } from '../params';
import { zerosLike } from '../params';

/** The outer optimizers: the spec's `outer.optimizer`, and `nesterov` for the step on local steps' mean change. */
export type OptimizerKind = 'adam' | 'sgd' | 'nesterov';

/**
 * Outer optimizers on plain float32 arrays: exact, backend-independent, and with state that
 * is just named arrays (saved in a checkpoint's optimizer.bin) plus a step count.
 */
export interface OptimizerState {
  kind: OptimizerKind;
  /** number of steps taken */
  step: number;
  /** Adam: `m/<param>` and `v/<param>`; Nesterov: the momentum buffers `b/<param>`; SGD: none */
  slots: ParamSet;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** Whether `kind` names an outer optimizer (a checkpoint's state.json is read with it). */
export function isOptimizerKind(kind: unknown): kind is OptimizerKind {
  return kind === 'adam' || kind === 'sgd' || kind === 'nesterov';
}

export function initialOptimizerState(kind: OptimizerKind, params: ParamSet): OptimizerState {
  const slots = (prefix: string) => zerosLike(params).map((p) => ({ ...p, name: `${prefix}/${p.name}` }));
  if (kind === 'sgd') return { kind, step: 0, slots: [] };
  if (kind === 'nesterov') return { kind, step: 0, slots: slots('b') };
  return { kind, step: 0, slots: [...slots('m'), ...slots('v')] };
}

/**
 * θ ← θ − lr · update(g). Returns new parameters and state; the inputs are not modified.
 * `momentum` is Nesterov's μ (PyTorch's form: b ← μ·b + g, update = g + μ·b); the others ignore it.
 */
export function outerStep(params: ParamSet, grads: ParamSet, state: OptimizerState, lr: number, momentum = 0): { params: ParamSet; state: OptimizerState } {
  const step = state.step + 1;
  if (state.kind === 'nesterov') return nesterovStep(params, grads, state, lr, momentum);
  if (state.kind === 'sgd') {
    const next = params.map((p, i) => {
      const g = (grads[i] as ParamSet[number]).values;
      return { ...p, values: p.values.map((x, k) => x - lr * (g[k] as number)) };
    });
    return { params: next, state: { ...state, step } };
  }
  const n = params.length;
  const slots = state.slots.map((s) => ({ ...s, values: new Float32Array(s.values) }));
  const correction1 = 1 - BETA1 ** step;
  const correction2 = 1 - BETA2 ** step;
  const next = params.map((p, i) => {
    const g = (grads[i] as ParamSet[number]).values;
    const m = (slots[i] as ParamSet[number]).values;
    const v = (slots[n + i] as ParamSet[number]).values;
    const values = new Float32Array(p.values.length);
    for (let k = 0; k < values.length; k++) {
      const gk = g[k] as number;
      m[k] = BETA1 * (m[k] as number) + (1 - BETA1) * gk;
      v[k] = BETA2 * (v[k] as number) + (1 - BETA2) * gk * gk;
      const mHat = (m[k] as number) / correction1;
      const vHat = (v[k] as number) / correction2;
      values[k] = (p.values[k] as number) - (lr * mHat) / (Math.sqrt(vHat) + EPSILON);
    }
    return { ...p, values };
  });
  return { params: next, state: { kind: 'adam', step, slots } };
}

function nesterovStep(params: ParamSet, grads: ParamSet, state: OptimizerState, lr: number, momentum: number): { params: ParamSet; state: OptimizerState } {
  const slots = state.slots.map((s) => ({ ...s, values: new Float32Array(s.values) }));
  const next = params.map((p, i) => {
    const g = (grads[i] as ParamSet[number]).values;
    const b = (slots[i] as ParamSet[number]).values;
    const values = new Float32Array(p.values.length);
    for (let k = 0; k < values.length; k++) {
      const gk = g[k] as number;
      b[k] = momentum * (b[k] as number) + gk;
      values[k] = (p.values[k] as number) - lr * (gk + momentum * (b[k] as number));
    }
    return { ...p, values };
  });
  return { params: next, state: { kind: 'nesterov', step: state.step + 1, slots } };
}

/** The outer learning rate of round r: constant, falling linearly to 0 (Reptile's annealed ε), or along half a cosine to 0 (MAML++). */
export function outerLr(baseLr: number, anneal: 'none' | 'linear' | 'cosine', round: number, rounds: number): number {
  if (anneal === 'linear') return baseLr * (1 - round / rounds);
  if (anneal === 'cosine') return baseLr * 0.5 * (1 + Math.cos((Math.PI * round) / rounds));
  return baseLr;
}
