import { setTimeout as sleep } from 'node:timers/promises';
import { encodeParams, type ParamSet } from '@metatrain/core';
import { type ReportHeader, type ReportShardResponse, stackBlockSums, type TensorChunk, toTensorChunks } from '@metatrain/contract';
import type { ShardCoordinator } from '../shards/shard-processor';
import type { ReportFault, TestFaults } from './test-faults';

/** Sends a report whose payload is already chunked (CoordinatorClient has it). */
export interface PayloadReporter {
  reportPayload(header: ReportHeader, chunks: readonly TensorChunk[]): Promise<ReportShardResponse>;
}

/**
 * `coordinator` with test faults injected into its shard reports (test-faults.ts): each is
 * held `delayMs`, then sent corrupted by the next fault in turn. Test mode only.
 */
export function withTestFaults(coordinator: ShardCoordinator & PayloadReporter, faults: TestFaults): ShardCoordinator {
  let sent = 0;
  return {
    getJobSpec: (jobId) => coordinator.getJobSpec(jobId),
    // Evaluation shards carry metrics only, never parameters: they are left honest.
    reportEval: (request) => coordinator.reportEval(request),
    async reportShard(header, blockSums) {
      // Unref'd: a straggler's hold must not keep a stopping process alive.
      if (faults.delayMs > 0) await sleep(faults.delayMs, undefined, { ref: false });
      const fault: ReportFault | undefined = faults.reports[sent++ % Math.max(1, faults.reports.length)];
      if (fault === undefined) return coordinator.reportShard(header, blockSums);
      // The faults go into the payload as it travels: the block sums stacked.
      const sum = stackBlockSums(blockSums);
      switch (fault) {
        case 'nan':
          return coordinator.reportPayload(header, chunksOf(withFirstValue(sum, NaN)));
        case 'inf':
          return coordinator.reportPayload(header, chunksOf(withFirstValue(sum, Infinity)));
        case 'shape':
          return coordinator.reportPayload(header, chunksOf(sum.map((p, i) => (i === 0 ? { ...p, shape: [...p.shape, 1] } : p))));
        case 'checksum':
          return coordinator.reportPayload(header, withFlippedBit(chunksOf(sum)));
      }
    },
  };
}

function chunksOf(sum: ParamSet): TensorChunk[] {
  return toTensorChunks(encodeParams(sum));
}

/** A copy of `sum` whose very first value is `value`. */
function withFirstValue(sum: ParamSet, value: number): ParamSet {
  return sum.map((p, i) => {
    if (i !== 0) return p;
    const values = Float32Array.from(p.values);
    values[0] = value;
    return { ...p, values };
  });
}

/** The chunks with one bit of the payload flipped after its checksum was taken. */
function withFlippedBit(chunks: TensorChunk[]): TensorChunk[] {
  return chunks.map((chunk, i) => {
    if (i !== 0 || chunk.data.length === 0) return chunk;
    const data = Uint8Array.from(chunk.data);
    data[0] = (data[0] ?? 0) ^ 1;
    return { ...chunk, data };
  });
}
