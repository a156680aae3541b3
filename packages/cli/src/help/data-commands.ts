import type { CommandHelp } from './command-help';
import { JSON_FLAG } from './command-help';

/** `metatrain data`. */
export const DATA_HELP = {
  group: 'here',
  summary: 'the datasets a spec can name (tasks.dataset): list, fetch, verify',
  usage: 'metatrain data list [--json] | data fetch <name>... | data verify [<name>...]',
  details: [
    'A dataset is looked for in METATRAIN_DATA_DIR, then the repository (datasets/), then the user cache (METATRAIN_CACHE_DIR, else $XDG_CACHE_HOME/metatrain, else ~/.cache/metatrain); fetch downloads one found nowhere into the cache from its official URL (METATRAIN_DATASET_MIRROR replaces it), checked by size and sha256 or zip CRCs.',
    'list: each dataset, its size and licence, and where it is here. fetch: prints the local path of each file on stdout. verify: checks every copy present; exit 1 if one fails.',
  ],
  flags: { json: { ...JSON_FLAG, text: 'machine-readable output (data list only)' } },
  examples: ['metatrain data list', 'metatrain data fetch omniglot-background omniglot-evaluation', 'metatrain data verify'],
} as const satisfies CommandHelp;
