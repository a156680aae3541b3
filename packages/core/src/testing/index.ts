// Helpers for tests of any package: small valid specs, toy task families, spec-error catching.
export { specError } from './catch-spec-error';
export { testSpec } from './specs';
export { blobsFamily } from './toy-families';
