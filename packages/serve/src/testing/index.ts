// Test helpers of @metatrain/serve: trained exports to serve.
export { PROTONET_SPEC, SINE_SPEC, writeTrainedExport } from './export-fixtures';
