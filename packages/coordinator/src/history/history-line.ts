import type { JobEvent } from '@metatrain/contract';
import { eventJson } from '@metatrain/contract';
import { z } from 'zod';

// One line of a job's stored history (`{root}history/{chunk}.jsonl`): a round's or an
// evaluation's metrics as `eventJson` spells them, or the mark a run of the job leaves when it
// starts (from version 0, or from the checkpoint it resumed).

const finite = z.number().finite();
const count = z.number().int().nonnegative();
const accuracies = { preAccuracy: finite.optional(), postAccuracy: finite.optional() };

const roundLine = z.object({
  type: z.literal('round'),
  time: finite,
  round: count,
  tasks: count,
  metaLoss: finite,
  preLoss: finite,
  postLoss: finite,
  ...accuracies,
  outerLr: finite,
  roundMs: finite,
  tasksPerSecond: finite,
  workers: count,
  backends: z.array(z.string()),
});

const evalLine = z.object({
  type: z.literal('eval'),
  time: finite,
  version: count,
  tasks: count,
  preLoss: finite,
  postLoss: finite,
  ...accuracies,
  evalMs: finite,
  workers: count,
});

const startLine = z.object({ type: z.literal('start'), time: finite, version: count });

/** A stored history line, checked as it is read back. */
export const historyLineSchema = z.discriminatedUnion('type', [roundLine, evalLine, startLine]);

/** A stored history line. */
export type HistoryLine = z.infer<typeof historyLineSchema>;

/** A stored round or evaluation: the lines a job's curve is made of. */
export type CurveLine = Exclude<HistoryLine, { type: 'start' }>;

/** The line of a RoundCompleted or EvalCompleted event; undefined for the other kinds (they are not history). */
export function historyLine(event: JobEvent): CurveLine | undefined {
  const json = eventJson(event);
  return json?.type === 'round' || json?.type === 'eval' ? json : undefined;
}

/** The event a stored round or evaluation line was made from. */
export function lineEvent(jobId: string, line: CurveLine): JobEvent {
  return line.type === 'round'
    ? { jobId, timeMs: line.time, kind: { $case: 'roundCompleted', value: recordOf(line) } }
    : { jobId, timeMs: line.time, kind: { $case: 'evalCompleted', value: recordOf(line) } };
}

/** A line's record (RoundMetrics, EvalMetrics): the line without its `type` and `time`. */
function recordOf<L extends CurveLine>({ type: _type, time: _time, ...record }: L): Omit<L, 'type' | 'time'> {
  return record;
}

/**
 * Where a round or an evaluation sits in a job's curve: the evaluation of version v (2v)
 * comes before round v (2v + 1), as the job loop runs them.
 */
export function linePosition(line: CurveLine): number {
  return line.type === 'round' ? 2 * line.round + 1 : 2 * line.version;
}

/** {@link linePosition} of a RoundCompleted or EvalCompleted event; undefined for the other kinds. */
export function curvePosition(event: JobEvent): number | undefined {
  const line = historyLine(event);
  return line && linePosition(line);
}
