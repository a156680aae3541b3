/**
 * Data that cannot be had: a catalog dataset or a pinned URL that is not reachable, refused by
 * its checks, or not writable where it goes. The message is one line naming what (`dataset
 * omniglot-small1`, or the spec field naming a URL), what went wrong and what to do; entry
 * points print it as it is.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    /** What could not be had: `dataset omniglot-small1`, or a spec field (`tasks.path`). */
    readonly subject: string,
    message: string,
  ) {
    super(`${subject}: ${message}`);
  }
}
