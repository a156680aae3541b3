// Helpers for tests that compute: the test backend.
export { useTestBackend } from './tf-setup';
