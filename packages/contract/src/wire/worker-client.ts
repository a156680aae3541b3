import { DecodeError, encodeParams, type ParamSet } from '@metatrain/core';
import {
  grpc,
  type GetDataResponse,
  type GetParametersResponse,
  type ReportEvalRequest,
  type ReportEvalResponse,
  type ReportHeader,
  type ReportShardRequest,
  type ReportShardResponse,
  type TensorChunk,
  type WorkerServiceClient,
} from '../generated';
import { stackBlockSums } from './block-sums';
import { FileReceiver } from './file-chunks';
import { PayloadReceiver, type PayloadReceiverOptions } from './payload-receiver';
import { toTensorChunks } from './tensor-chunks';
import { writeAll } from './write-all';

// Worker-side calls of the WorkerService protocol, with their chunked streams checked.

/**
 * Fetches parameter version `version` of `jobId` (GetParameters) and decodes it, checking the
 * chunk order, the declared size and the checksum.
 *
 * @param deadline every call has one (docs/ARCHITECTURE.md §8): a Date or epoch milliseconds.
 * @throws the call's grpc ServiceError (NOT_FOUND, FAILED_PRECONDITION, DEADLINE_EXCEEDED, ...),
 *   or a DecodeError when the server's stream is malformed (the call is then cancelled).
 */
export function fetchParameters(
  client: WorkerServiceClient,
  jobId: string,
  version: number,
  deadline: grpc.Deadline,
  options: PayloadReceiverOptions = {},
): Promise<ParamSet> {
  return new Promise((resolve, reject) => {
    const receiver = new PayloadReceiver(options);
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    const call = client.getParameters({ jobId, version }, { deadline });
    call.on('data', (message: GetParametersResponse) => {
      if (failed) return;
      try {
        if (!message.chunk) throw new DecodeError(`chunk[${receiver.received}]: missing from a GetParametersResponse`);
        receiver.push(message.chunk);
      } catch (error) {
        fail(error);
        call.cancel(); // the rest of a broken stream is useless; its CANCELLED error is ignored
      }
    });
    call.on('error', fail);
    call.on('end', () => {
      if (failed) return;
      try {
        resolve(receiver.finish());
      } catch (error) {
        fail(error);
      }
    });
  });
}

/**
 * Fetches the data file `sha256` that job `jobId` names (GetData) and reassembles it, checking
 * the chunk order, the declared size (at most `maxBytes`) and the checksum.
 *
 * @throws the call's grpc ServiceError (NOT_FOUND, FAILED_PRECONDITION, DEADLINE_EXCEEDED, ...),
 *   or a DecodeError when the stream is malformed (the call is then cancelled).
 */
export function fetchData(client: WorkerServiceClient, jobId: string, sha256: string, deadline: grpc.Deadline, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const receiver = new FileReceiver(maxBytes);
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    const call = client.getData({ jobId, sha256 }, { deadline });
    call.on('data', (message: GetDataResponse) => {
      if (failed) return;
      try {
        if (!message.chunk) throw new DecodeError(`chunk[${receiver.received}]: missing from a GetDataResponse`);
        receiver.push(message.chunk);
      } catch (error) {
        fail(error);
        call.cancel();
      }
    });
    call.on('error', fail);
    call.on('end', () => {
      if (failed) return;
      try {
        const { bytes, sha256: actual } = receiver.finish();
        if (actual !== sha256) throw new DecodeError(`sha256: asked for ${sha256}, the coordinator sent ${actual}`);
        resolve(bytes);
      } catch (error) {
        fail(error);
      }
    });
  });
}

/**
 * Reports one shard (ReportShard): the header, then the sums of its blocks (one per block, in
 * block order) stacked into one payload (`stackBlockSums`), as chunks of at most 1 MiB written
 * with backpressure. Resolves with the coordinator's verdict; the worker acks its queue job on
 * ACCEPTED, DUPLICATE and STALE and fails it with `reason` on REJECTED.
 *
 * @param deadline every call has one (docs/ARCHITECTURE.md §8): a Date or epoch milliseconds.
 * @throws the call's grpc ServiceError (INVALID_ARGUMENT, NOT_FOUND, DEADLINE_EXCEEDED, ...).
 */
export function reportShard(client: WorkerServiceClient, header: ReportHeader, blockSums: readonly ParamSet[], deadline: grpc.Deadline): Promise<ReportShardResponse> {
  return reportPayload(client, header, toTensorChunks(encodeParams(stackBlockSums(blockSums))), deadline);
}

/**
 * {@link reportShard} with the payload already chunked (`toTensorChunks`), sent as it is: for
 * a caller that must control the bytes on the wire, such as a test corrupting them.
 */
export function reportPayload(client: WorkerServiceClient, header: ReportHeader, chunks: readonly TensorChunk[], deadline: grpc.Deadline): Promise<ReportShardResponse> {
  return new Promise((resolve, reject) => {
    let finished = false;
    const call = client.reportShard({ deadline }, (error, response) => {
      finished = true;
      if (error) reject(error);
      else if (response) resolve(response);
      else reject(new Error('ReportShard: the server answered without a response'));
    });
    const messages: ReportShardRequest[] = [
      { payload: { $case: 'header', value: header } },
      ...chunks.map((chunk): ReportShardRequest => ({ payload: { $case: 'chunk', value: chunk } })),
    ];
    // A server that answers early (INVALID_ARGUMENT, say) ends the call: stop writing then.
    writeAll(call, messages, () => finished).then(
      (complete) => {
        if (complete) call.end();
      },
      (error: unknown) => {
        call.cancel();
        reject(error);
      },
    );
  });
}

/**
 * Reports one evaluation shard (ReportEval): its per-task results, no tensors. Resolves with
 * the coordinator's verdict, which the worker treats as ReportShard's.
 *
 * @param deadline every call has one (docs/ARCHITECTURE.md §8): a Date or epoch milliseconds.
 * @throws the call's grpc ServiceError (INVALID_ARGUMENT, NOT_FOUND, DEADLINE_EXCEEDED, ...).
 */
export function reportEval(client: WorkerServiceClient, request: ReportEvalRequest, deadline: grpc.Deadline): Promise<ReportEvalResponse> {
  return new Promise((resolve, reject) => {
    client.reportEval(request, new grpc.Metadata(), { deadline }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}
