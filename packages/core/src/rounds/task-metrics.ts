/** Query-set loss (and accuracy, for classification) of one task before and after adaptation. */
export interface TaskMetrics {
  preLoss: number;
  postLoss: number;
  preAccuracy?: number;
  postAccuracy?: number;
}

/** A task's metrics with the task's index (in its round's meta-batch, or its evaluation stream). */
export type IndexedTaskMetrics = TaskMetrics & { task: number };
