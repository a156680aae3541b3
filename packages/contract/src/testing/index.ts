// Helpers for tests: throwaway TLS certificates.
export { makeTestCertificates } from './test-certificates';
export type { TestCertificates } from './test-certificates';
