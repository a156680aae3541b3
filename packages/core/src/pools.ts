// Worker pools: named groups of workers that a job may ask for (`resources.pool`, WORKER_POOL).
// The name becomes part of a queue name and of Kubernetes object names, hence a DNS label.

/** The pool of a worker without WORKER_POOL and of a job without `resources.pool`. */
export const DEFAULT_POOL = 'default';

/** A pool name: a short DNS label (lowercase letters, digits, inner dashes, at most 32 characters). */
export const POOL_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** What {@link POOL_NAME_PATTERN} asks for, in words, for error messages. */
export const POOL_NAME_RULE = 'expected a pool name: 1-32 lowercase letters, digits and dashes, not starting or ending with a dash';
