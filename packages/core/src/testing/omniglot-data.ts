import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** datasets/omniglot of the repository: the two "minimal" Omniglot background zips (see its README.md). */
export const omniglotDir = fileURLToPath(new URL('../../../../datasets/omniglot', import.meta.url));

/** The zips in {@link omniglotDir}, by absolute path. */
export const OMNIGLOT_ZIPS = {
  small1: join(omniglotDir, 'images_background_small1.zip'),
  small2: join(omniglotDir, 'images_background_small2.zip'),
} as const;
