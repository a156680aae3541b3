import type { IndexedTaskMetrics } from '@metatrain/core';
import type { TaskMetrics as WireTaskMetrics } from '../generated';

/** The wire form of a task's metrics (ReportShard and ReportEval); an absent accuracy stays absent. */
export function taskMetricsToWire(m: IndexedTaskMetrics): WireTaskMetrics {
  return {
    taskIndex: m.task,
    preLoss: m.preLoss,
    postLoss: m.postLoss,
    ...(m.preAccuracy !== undefined ? { preAccuracy: m.preAccuracy } : {}),
    ...(m.postAccuracy !== undefined ? { postAccuracy: m.postAccuracy } : {}),
  };
}

/** The inverse of {@link taskMetricsToWire}. */
export function taskMetricsFromWire(m: WireTaskMetrics): IndexedTaskMetrics {
  return {
    task: m.taskIndex,
    preLoss: m.preLoss,
    postLoss: m.postLoss,
    ...(m.preAccuracy !== undefined ? { preAccuracy: m.preAccuracy } : {}),
    ...(m.postAccuracy !== undefined ? { postAccuracy: m.postAccuracy } : {}),
  };
}
