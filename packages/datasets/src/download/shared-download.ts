import type { CompiledDatasetOptions } from '../dataset-options';
import { type Download, downloadFile } from './download-file';

// Two resolutions of one file in one process (a dataset that is both `dataset` and
// `testDataset`, a URL two fields name, a SubmitJob and the job's start) share one download.
const downloads = new Map<string, Promise<string>>();

/**
 * {@link downloadFile}, shared by every call for the same `dest` while it runs (the first
 * call's progress and signal serve them all), with a log line when it starts.
 * @param subject what the log line names (`dataset omniglot-small1`, `tasks.path`)
 */
export function sharedDownload(job: Download, options: CompiledDatasetOptions, subject: string): Promise<string> {
  let pending = downloads.get(job.dest);
  if (!pending) {
    options.log(`${subject}: downloading ${job.url} to ${job.dest}`);
    pending = downloadFile(job, options).finally(() => downloads.delete(job.dest));
    downloads.set(job.dest, pending);
  }
  return pending;
}
