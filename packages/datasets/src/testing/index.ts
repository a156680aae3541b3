// Helpers for tests of the download path: a local HTTP server with good, wrong, truncated and
// stalled answers, and a port nobody listens on.
export { bytesOf, startDatasetServer, unusedPort } from './dataset-server';
export type { Answer, DatasetServer } from './dataset-server';
