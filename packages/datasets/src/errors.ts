/**
 * A dataset that cannot be had: not reachable, refused by its checks, or not writable where it
 * goes. The message is one line naming the dataset, what went wrong and what to do; entry
 * points print it as it is.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    /** The catalog name, e.g. `omniglot-small1`. */
    readonly dataset: string,
    message: string,
  ) {
    super(`dataset ${dataset}: ${message}`);
  }
}
