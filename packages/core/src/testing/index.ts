// Helpers for tests of any package: small valid specs, toy task families, spec-error catching,
// the repository's Omniglot zips.
export { specError } from './catch-spec-error';
export { omniglotDir, OMNIGLOT_ZIPS } from './omniglot-data';
export { testSpec } from './specs';
export { blobsFamily } from './toy-families';
