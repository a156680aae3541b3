import type { Conv4Layout, MlpLayout } from '@metatrain/core';
import { createConv4 } from './conv4';
import type { FunctionalModel } from './model';
import { createMlp } from './mlp';

/** The model of a layout (@metatrain/core's createModelLayout), with its forward pass. */
export function createModel(layout: MlpLayout | Conv4Layout): FunctionalModel {
  return layout.kind === 'mlp' ? createMlp(layout) : createConv4(layout);
}
