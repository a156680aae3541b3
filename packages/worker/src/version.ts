import { readFileSync } from 'node:fs';

/** This package's version, sent to the coordinator at registration. */
export const WORKER_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
