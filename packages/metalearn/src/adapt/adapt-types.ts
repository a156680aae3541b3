import type { AdaptQuery } from '../eval/adapt-input';
import type { Examples } from '@metatrain/core';

/** Most inner steps one adaptation may take, as for `inner.steps` in a spec; keeps a request from holding the process for long. */
export const MAX_ADAPT_STEPS = 100;

export interface AdaptExportOptions {
  /** Inner SGD steps (0 predicts with the meta-parameters). @default meta.json's adaptation.steps */
  steps?: number;
  /**
   * Inner learning rate. @default meta.json's adaptation.lr — for Meta-SGD its learned
   * per-parameter rates, which an explicit `lr` replaces.
   */
  lr?: number;
}

/**
 * A meta-model adapted to one task, kept to predict more query examples later without
 * adapting again: the adapted parameters (SGD, each with a task axis of 1), or the embedded
 * support set the class prototypes come from (ProtoNets).
 */
export type AdaptedModel =
  | { method: 'sgd'; params: Array<{ name: string; shape: number[]; values: Float32Array }> }
  | { method: 'prototypes'; embedded: Float32Array; embeddedShape: number[]; oneHot: Float32Array; oneHotShape: number[] };

/** A meta-model adapted to one task: support losses along the way and query predictions. */
export interface AdaptExportResult {
  method: 'sgd' | 'prototypes';
  /** steps taken (0 for prototypes) */
  steps: number;
  /** the learning rate used; undefined when Meta-SGD's learned rates were */
  lr: number | undefined;
  /** SGD: support loss before the first step and after each step (steps + 1 values); prototypes: one value */
  supportLosses: number[];
  /** query outputs after adaptation, [m, predictionWidth] row-major: regression values (in the data's units), or class logits */
  predictions: Float32Array;
  predictionWidth: number;
  /** classification: arg-max class of each query example */
  predictedClasses?: Int32Array;
  /** with query targets: query loss (and accuracy for classification) with the meta-parameters and after adaptation; prototypes have no "before" */
  queryLossBefore?: number;
  queryLossAfter?: number;
  queryAccuracyBefore?: number;
  queryAccuracyAfter?: number;
  /** the adapted model, when the task asked to keep it */
  adapted?: AdaptedModel;
}

/** One task of a batch: its support set, its query (optional), its options. */
export interface AdaptTask {
  support: Examples;
  query?: AdaptQuery;
  options?: AdaptExportOptions;
  /** also return the adapted model ({@link AdaptExportResult.adapted}) */
  keepAdapted?: boolean;
}
