import { type EventJson, eventJson, type JobEvent } from '@metatrain/contract';
import { lossText } from './job-format';

// `metatrain metrics`: a job's curve, one line per round or evaluation.

/** A round or an evaluation as JSON: what `metrics --json` prints, a line each. */
export type CurveRecord = Extract<EventJson, { type: 'round' | 'eval' }>;

/** The record of a RoundCompleted or EvalCompleted event; undefined for other events (state changes, checkpoints). */
export function curveRecord(event: JobEvent): CurveRecord | undefined {
  const record = eventJson(event);
  return record?.type === 'round' || record?.type === 'eval' ? record : undefined;
}

const accuracy = (label: string, value: number | undefined) => (value === undefined ? '' : `  ${label} ${value.toFixed(3)}`);

/** A round's or an evaluation's line for people. */
export function metricsLine(record: CurveRecord): string {
  const { preLoss, postLoss, preAccuracy, postAccuracy } = record;
  const losses = `pre-loss ${lossText(preLoss)}  post-loss ${lossText(postLoss)}${accuracy('pre-acc', preAccuracy)}${accuracy('post-acc', postAccuracy)}`;
  if (record.type === 'eval') return `eval  ${String(record.version).padStart(6)}  held-out ${record.tasks} tasks  ${losses}`;
  return `round ${String(record.round).padStart(6)}  meta-loss ${lossText(record.metaLoss)}  ${losses}  ${Math.round(record.tasksPerSecond)} tasks/s  ${record.roundMs.toFixed(1)} ms`;
}
