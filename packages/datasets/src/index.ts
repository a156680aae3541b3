// The async half of the dataset catalog (@metatrain/core holds the catalog itself): finding a
// named dataset's files on this machine — METATRAIN_DATA_DIR, the repository's shipped copy,
// the user cache — or downloading them into the cache, checked, with progress; and the same
// for the files a spec names by a URL pinned by its sha256 (`<cache>/urls/<sha256>`). Light:
// node built-ins and @metatrain/core only. The CLI, the coordinator and the worker's main
// thread resolve a spec's datasets and URLs with it before they build its task family; the
// coordinator and the workers keep the data uploaded with a job in the same cache (cachedFile).
// Its own entry point, src/main.ts (`fetch`), is `metatrain data fetch` for the images, which
// carry no CLI.
export { cachedFile } from './cached-file';
export { compileDatasetOptions, DATASET_ENV, datasetOptionsFromEnv, userCacheDir } from './dataset-options';
export type { CompiledDatasetOptions, DatasetOptions, DownloadProgress } from './dataset-options';
export { DatasetError } from './errors';
export { catalogEntry, datasetResolver, describeFetched, fetchDataset, resolveDatasets } from './fetch-dataset';
export { PREFETCH_ENV, PREFETCH_ENV_NAMES, prefetchNames } from './prefetch';
export type { DatasetResolver, ResolvedFile } from './fetch-dataset';
export { locateDataset, verifyDataset } from './verify-dataset';
export type { CopyReport, DatasetReport, Located } from './verify-dataset';
export type { Place } from './locations';
export { checkZip } from './checks/zip-integrity';
export type { ZipCheck } from './checks/zip-integrity';
export { formatBytes } from './download/fetch-failure';
