import { DecodeError, EXPORT_FILES, storageKeys } from '@metatrain/core';
import type { LoadedExport } from '@metatrain/metalearn';
import type { BlobStore } from '@metatrain/storage';
import { loadMetalearn } from '../compute/load-metalearn';
import type { JobRecord } from '../registry/job-record';
import type { AdaptExportSource } from './adapt-handler';
import { FailedPreconditionError } from './grpc-errors';

/** Where the Adapt RPC reads a job's export: the job's storage. */
export function exportSource(jobs: { get(jobId: string): Promise<JobRecord> }, storage: BlobStore, log: (line: string) => void): AdaptExportSource {
  return {
    async loadExport(jobId: string): Promise<LoadedExport> {
      const record = await jobs.get(jobId);
      const [modelJson, weightsBin, metaJson] = await Promise.all(EXPORT_FILES.map((name) => storage.get(storageKeys.coordinatorJob(record.id).exportFile(name))));
      if (!modelJson || !weightsBin || !metaJson) throw new FailedPreconditionError('job_id', `job ${record.id} has no export yet (it is ${record.state})`);
      const { readExport } = await loadMetalearn(log);
      try {
        return readExport({ modelJson, weightsBin, metaJson });
      } catch (err) {
        if (err instanceof DecodeError) throw new FailedPreconditionError('job_id', `job ${record.id}: its export is unreadable: ${err.message}`);
        throw err;
      }
    },
  };
}
