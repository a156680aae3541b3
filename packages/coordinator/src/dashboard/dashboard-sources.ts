import type { BlobStore } from '@metatrain/storage';
import type { JobHistory } from '../history/job-history';
import type { JobEventLog } from '../jobs/job-events';
import type { JobManager } from '../jobs/job-manager';
import type { WorkerTable } from '../workers/worker-table';

/** What the dashboard shows and acts on: the coordinator's own parts, read live. */
export interface DashboardSources {
  jobs: Pick<JobManager, 'list' | 'get' | 'cancel'>;
  /** The live events: the jobs page's updates, and the recent rounds its rates come from. */
  events: JobEventLog;
  /** Each job's stored curve, followed by its live events: the job page's. */
  history: JobHistory;
  workers: WorkerTable;
  /** Checkpoints (`jobs/{id}/checkpoints/…`) and exports (`jobs/{id}/export/…`): `storageKeys.coordinatorJob`. */
  storage: BlobStore;
}
