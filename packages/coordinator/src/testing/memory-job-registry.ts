import { NotFoundError } from '../grpc/grpc-errors';
import { applyJobChange, type JobChange } from '../registry/job-change';
import { newJobRecord, type JobRegistry, type NewJob } from '../registry/job-registry';
import type { JobRecord, JobStateName } from '../registry/job-record';

/** A JobRegistry in memory, with the Redis registry's rules (ids, transitions, field checks); for unit tests. */
export class MemoryJobRegistry implements JobRegistry {
  private readonly jobs = new Map<string, JobRecord>();

  async createJob(job: NewJob): Promise<JobRecord> {
    const record = newJobRecord(job);
    this.jobs.set(record.id, record);
    return { ...record };
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const record = this.jobs.get(id);
    return record && { ...record };
  }

  async listJobs(states?: readonly JobStateName[]): Promise<JobRecord[]> {
    const all = [...this.jobs.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    return (states ? all.filter((r) => states.includes(r.state)) : all).map((r) => ({ ...r }));
  }

  async updateJob(id: string, change: JobChange): Promise<JobRecord> {
    const current = this.jobs.get(id);
    if (!current) throw new NotFoundError('job_id', `no job ${id}`);
    const next = applyJobChange(current, change);
    this.jobs.set(id, next);
    return { ...next };
  }
}
