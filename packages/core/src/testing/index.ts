// Helpers for tests of any package: small valid specs, toy task families, spec-error catching,
// image files and trees of them, the repository's Omniglot zips.
export { specError, specRefusals } from './catch-spec-error';
export { jpegFromRgb, pngFromRgba, writeTree } from './image-files';
export { omniglotDir, OMNIGLOT_ZIPS } from './omniglot-data';
export { testSpec } from './specs';
export { blobsFamily } from './toy-families';
