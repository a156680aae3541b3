import { type DownloadProgress, formatBytes } from '@metatrain/datasets';
import { createProgress, type Progress, type ProgressStream } from '../ui/progress-bar';

/** Progress bars for dataset downloads: one per file, labelled `<dataset> <file>`, in bytes. */
export interface DownloadBars {
  onProgress(progress: DownloadProgress): void;
  /** Ends the bar in progress, if any (a download that failed leaves one open). */
  close(): void;
}

/** A bar per file on `stream` (stderr), started by its first bytes, finished by its last. */
export function downloadBars(stream: ProgressStream = process.stderr): DownloadBars {
  let current: { key: string; bar: Progress } | undefined;
  const close = () => {
    current?.bar.finish();
    current = undefined;
  };
  return {
    onProgress(p) {
      const key = `${p.dataset}/${p.file}`;
      if (current?.key !== key) {
        close();
        current = { key, bar: createProgress({ total: p.total ?? 0, stream, label: `${p.dataset} ${p.file}`, formatCount: formatBytes }) };
      }
      current.bar.update(p.bytes);
      if (p.total !== undefined && p.bytes >= p.total) close();
    },
    close,
  };
}
