import type { BlobStore } from '@metatrain/storage';
import type { JobEventLog } from '../jobs/job-events';
import type { JobManager } from '../jobs/job-manager';
import type { WorkerTable } from '../workers/worker-table';

/** What the dashboard shows and acts on: the coordinator's own parts, read live. */
export interface DashboardSources {
  jobs: Pick<JobManager, 'list' | 'get' | 'cancel'>;
  events: JobEventLog;
  workers: WorkerTable;
  /** Checkpoints (`jobs/{id}/checkpoints/…`) and exports (`jobs/{id}/export/…`): `storageKeys.coordinatorJob`. */
  storage: BlobStore;
}
