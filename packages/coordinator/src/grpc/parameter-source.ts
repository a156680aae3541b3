import type { ParamSet } from '@metatrain/core';

/**
 * Where GetParameters reads a job's parameters, so the handler needs no job registry.
 *
 * A version's parameters never change once written (θ_r is a pure function of (spec, r)); the
 * handler relies on that and caches the encoding of a returned ParamSet by identity, so return
 * the same object for the same version rather than a fresh copy.
 */
export interface ParameterSource {
  /**
   * The parameters of `jobId` at `version`, or undefined when the job does not hold that
   * version (not reached yet, or no longer kept): the caller answers FAILED_PRECONDITION.
   *
   * @throws NotFoundError (./grpc-errors) when there is no job `jobId`; NotPublishedYetError
   *   when `version` is the next one, its shards enqueued ahead, and still not published after
   *   a wait.
   */
  getParameters(jobId: string, version: number): ParamSet | undefined | Promise<ParamSet | undefined>;
}
