import type { ParamSet } from '@metatrain/core';
import { grpc } from '@metatrain/contract';
import { ShardNotReadyError } from '../errors';
import { describeRpcError, grpcCode } from './rpc-errors';

/**
 * θ_version of `jobId` through `fetchParameters` (GetParameters), once the coordinator has
 * published it: the coordinator holds the call while the version is not out yet and then
 * answers ABORTED, which becomes ShardNotReadyError (the shard goes back untouched).
 */
export async function fetchPublished(fetchParameters: (jobId: string, version: number) => Promise<ParamSet>, jobId: string, version: number): Promise<ParamSet> {
  try {
    return await fetchParameters(jobId, version);
  } catch (error) {
    if (grpcCode(error) === grpc.status.ABORTED) throw new ShardNotReadyError(describeRpcError(error));
    throw error;
  }
}
