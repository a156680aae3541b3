// The datasets a spec may name (`tasks.dataset`), and where each comes from. Only facts live
// here — names, URLs, checksums, sizes — so that validating a spec needs no I/O; finding,
// downloading and checking the files is @metatrain/datasets'.

/** One file of a dataset: where it comes from and how a copy is known to be the right one. */
export interface DatasetFile {
  /** The file's name, the same in every location (data dir, shipped copy, cache). */
  name: string;
  /** The official download URL. */
  url: string;
  /** Lowercase hex sha256, when the file was seen and hashed here (`integrity: 'sha256'`). */
  sha256?: string;
  /** Exact size in bytes, when it was verified here. */
  bytes?: number;
  /**
   * How a copy is checked: `sha256` against {@link sha256}; `zip` (for a file never seen here):
   * its central directory is read and every entry decompressed and checked against its CRC-32.
   */
  integrity: 'sha256' | 'zip';
}

/** A named dataset of the catalog. */
export interface DatasetEntry {
  /** The name specs use: `tasks.dataset: omniglot-small1`. */
  name: string;
  /** The task family that reads it. */
  family: 'omniglot';
  description: string;
  /** The licence and its holder, as upstream states it. */
  licence: string;
  /** The files a family reads; each family reads the first (every dataset has one today). */
  files: readonly DatasetFile[];
  /** The directory of the repository's `datasets/` that holds a copy of the files, when one ships. */
  shipped?: string;
}

const OMNIGLOT_RAW = 'https://raw.githubusercontent.com/brendenlake/omniglot/master/python';
const OMNIGLOT_LICENCE = 'MIT, Copyright (c) 2015 Brenden Lake';

/**
 * Every dataset specs may name. The two minimal Omniglot splits ship in datasets/omniglot
 * (their sha256 and size are SHA256SUMS's, checked by the tests). The full background and
 * evaluation sets were never downloaded where this catalog was written (that machine could not
 * reach GitHub), so they have no sha256 and no size: a copy is accepted when it is a sound zip
 * (central directory and every entry's CRC-32). Upstream's tree at commit 057f034b names their
 * git blobs (datasets/omniglot/README.md): a sha256 can be pinned once a download matches them.
 */
export const DATASETS: readonly DatasetEntry[] = [
  {
    name: 'omniglot-small1',
    family: 'omniglot',
    description: 'Omniglot background, minimal split 1: 5 alphabets, 136 characters × 20 drawings',
    licence: OMNIGLOT_LICENCE,
    files: [
      {
        name: 'images_background_small1.zip',
        url: `${OMNIGLOT_RAW}/images_background_small1.zip`,
        sha256: 'f38eb80f801274ac2b4dff5b24289016bfaba4a7d5bb50deebf27104ad6cb8a4',
        bytes: 1_319_022,
        integrity: 'sha256',
      },
    ],
    shipped: 'omniglot',
  },
  {
    name: 'omniglot-small2',
    family: 'omniglot',
    description: 'Omniglot background, minimal split 2: 5 alphabets, 156 characters × 20 drawings',
    licence: OMNIGLOT_LICENCE,
    files: [
      {
        name: 'images_background_small2.zip',
        url: `${OMNIGLOT_RAW}/images_background_small2.zip`,
        sha256: '3ccaa407515a8778e5d0861875af38b17e418f301ad5bb3b5a6b65d901a41c7f',
        bytes: 1_580_917,
        integrity: 'sha256',
      },
    ],
    shipped: 'omniglot',
  },
  {
    name: 'omniglot-background',
    family: 'omniglot',
    description: 'Omniglot background set: 30 alphabets, 20 drawings per character (never downloaded here: checked as a zip, no sha256)',
    licence: OMNIGLOT_LICENCE,
    files: [{ name: 'images_background.zip', url: `${OMNIGLOT_RAW}/images_background.zip`, integrity: 'zip' }],
  },
  {
    name: 'omniglot-evaluation',
    family: 'omniglot',
    description: 'Omniglot evaluation set: 20 alphabets, 20 drawings per character (never downloaded here: checked as a zip, no sha256)',
    licence: OMNIGLOT_LICENCE,
    files: [{ name: 'images_evaluation.zip', url: `${OMNIGLOT_RAW}/images_evaluation.zip`, integrity: 'zip' }],
  },
];

/** The catalog entry named `name`, or undefined. */
export function findDataset(name: string): DatasetEntry | undefined {
  return DATASETS.find((d) => d.name === name);
}

/** The names of the datasets `family` reads, in catalog order. */
export function datasetNames(family?: DatasetEntry['family']): string[] {
  return DATASETS.filter((d) => family === undefined || d.family === family).map((d) => d.name);
}

/**
 * The key of a dataset in the `files` map task families are given (TaskFamilyOptions): the
 * local path of the dataset's file, fetched beforehand.
 */
export function datasetKey(name: string): string {
  return `dataset:${name}`;
}
