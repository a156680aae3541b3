import type { ParamSet } from '../params';
import { zerosLike } from '../params';

/**
 * Outer optimizers on plain float32 arrays: exact, backend-independent, and with state that
 * is just named arrays (saved in a checkpoint's optimizer.bin) plus a step count.
 */
export interface OptimizerState {
  kind: 'adam' | 'sgd';
  /** number of steps taken */
  step: number;
  /** Adam: `m/<param>` and `v/<param>`; SGD: none */
  slots: ParamSet;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

export function initialOptimizerState(kind: 'adam' | 'sgd', params: ParamSet): OptimizerState {
  if (kind === 'sgd') return { kind, step: 0, slots: [] };
  const m = zerosLike(params).map((p) => ({ ...p, name: `m/${p.name}` }));
  const v = zerosLike(params).map((p) => ({ ...p, name: `v/${p.name}` }));
  return { kind, step: 0, slots: [...m, ...v] };
}

/** θ ← θ − lr · update(g). Returns new parameters and state; the inputs are not modified. */
export function outerStep(params: ParamSet, grads: ParamSet, state: OptimizerState, lr: number): { params: ParamSet; state: OptimizerState } {
  const step = state.step + 1;
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

/** The outer learning rate of round r: constant, or falling linearly to 0 (Reptile's annealed ε). */
export function outerLr(baseLr: number, anneal: 'none' | 'linear', round: number, rounds: number): number {
  return anneal === 'linear' ? baseLr * (1 - round / rounds) : baseLr;
}
