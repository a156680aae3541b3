import { type JobSpec, type ModelSpec, type Preprocessing, type TaskKind } from '@metatrain/core';

/**
 * meta.json of an export: what someone who never saw the training spec needs to adapt the
 * model to a new task.
 */
export interface ExportMeta {
  format: 'metatrain-export/v1';
  job: string;
  algorithm: JobSpec['algorithm'];
  roundsTrained: number;
  backend: string;
  model: ModelSpec;
  /** functional parameter names and shapes, in weights.bin order (batch-norm moving statistics excluded) */
  parameters: Array<{ name: string; shape: number[] }>;
  /** conv4 normalises with each task's own batch statistics; the moving statistics in weights.bin are an estimate for plain inference */
  batchNorm: 'task-statistics' | 'none';
  input: { shape: number[]; preprocessing: Preprocessing };
  output: { kind: 'prediction' | 'logits' | 'embedding'; size: number; labels?: string[] };
  loss: 'mean-squared-error' | 'softmax-cross-entropy';
  task: {
    family: string;
    kind: TaskKind;
    supportSize: number;
    querySize: number;
    spec: JobSpec['tasks'];
    /** directory that relative data paths in `spec` were resolved against when training */
    dataDir?: string;
    source: Record<string, unknown>;
  };
  adaptation: {
    /** sgd: `steps` gradient steps with `lr` (or learnedLrs) on `parameters`; prototypes: nearest class mean of embeddings */
    method: 'sgd' | 'prototypes';
    steps: number;
    lr: number;
    parameters: string[];
    /** Meta-SGD: per-parameter inner learning rates, little-endian float32 */
    learnedLrs?: Array<{ name: string; shape: number[]; float32Base64: string }>;
  };
  seed: number;
}
