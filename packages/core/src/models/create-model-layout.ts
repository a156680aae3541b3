import { SpecError } from '../errors';
import type { ModelSpec } from '../spec/schema';
import type { TaskFamily } from '../tasks/task';
import { type Conv4Layout, conv4Layout } from './conv4-layout';
import { type MlpLayout, mlpLayout } from './mlp-layout';

/**
 * The layout of the model a spec asks for, shaped for its task family. `withHead: false` drops
 * the final layer, so the output is an embedding (Prototypical Networks).
 */
export function createModelLayout(spec: ModelSpec, family: TaskFamily, withHead = true): MlpLayout | Conv4Layout {
  const outputs = withHead ? family.outputSize : 0;
  if (spec.kind === 'mlp') {
    const inputs = family.inputShape.reduce((a, b) => a * b, 1);
    if (!withHead && spec.hidden.length === 0) throw new SpecError('model.hidden', 'an embedding network needs at least one hidden layer');
    return mlpLayout({ inputs, hidden: spec.hidden, outputs, activation: spec.activation });
  }
  const [h, w, c] = family.inputShape;
  if (family.inputShape.length !== 3 || !h || !w || !c) {
    throw new SpecError('model.kind', `conv4 needs image inputs [height, width, channels], got [${family.inputShape.join(', ')}]`);
  }
  return conv4Layout({ inputShape: [h, w, c], channels: spec.channels, outputs });
}
