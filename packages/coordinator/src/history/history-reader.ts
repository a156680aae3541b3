import type { JobEvent } from '@metatrain/contract';
import { firstIssue, type JobKeys, parseHistoryChunk } from '@metatrain/core';
import type { BlobStore } from '@metatrain/storage';
import { type CurveLine, type HistoryLine, historyLineSchema, lineEvent, linePosition } from './history-line';

/** Chunks fetched at once. */
const READ_CONCURRENCY = 8;

const decoder = new TextDecoder();

/**
 * A job's stored curve, oldest first: every round and evaluation its runs wrote, each once.
 * Chunks are read in the order written; a run's start mark at version v drops what earlier
 * runs wrote beyond v (rounds ≥ v, evaluations > v: the resumed run computes them again), and
 * a record written again replaces the earlier one. A line that is not a history line is
 * skipped and handed to `onBadLine`.
 */
export async function readHistory(storage: BlobStore, keys: JobKeys, onBadLine: (problem: string) => void): Promise<JobEvent[]> {
  const chunks = (await storage.list(keys.history)).filter((key) => parseHistoryChunk(key.slice(keys.history.length)) !== undefined);
  const curve = new Map<number, CurveLine>();
  for (let i = 0; i < chunks.length; i += READ_CONCURRENCY) {
    const keysNow = chunks.slice(i, i + READ_CONCURRENCY);
    const texts = await Promise.all(keysNow.map(async (key) => decoder.decode((await storage.get(key)) ?? new Uint8Array())));
    texts.forEach((text, j) => applyChunk(curve, text, (problem) => onBadLine(`${storage.locate(keysNow[j] ?? '')}: ${problem}`)));
  }
  return [...curve.entries()].sort(([a], [b]) => a - b).map(([, line]) => lineEvent(keys.jobId, line));
}

/** Applies one chunk's lines, in order, to the curve kept by position. */
function applyChunk(curve: Map<number, CurveLine>, text: string, onBadLine: (problem: string) => void): void {
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    const line = parseLine(raw, (problem) => onBadLine(`line ${index + 1}: ${problem}`));
    if (line?.type === 'start') {
      // Round v and beyond come again from the checkpoint of v; so may the evaluation of v.
      for (const position of [...curve.keys()]) if (position > 2 * line.version) curve.delete(position);
    } else if (line) {
      curve.set(linePosition(line), line);
    }
  });
}

/** One stored line, checked; undefined (and `onBad` told why) when it is not a history line. */
function parseLine(raw: string, onBad: (problem: string) => void): HistoryLine | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    onBad('not JSON');
    return undefined;
  }
  const result = historyLineSchema.safeParse(json);
  if (result.success) return result.data;
  const { path, message } = firstIssue(result.error);
  onBad(`${path || 'the line'}: ${message}`);
  return undefined;
}
