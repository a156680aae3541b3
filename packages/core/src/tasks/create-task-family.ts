import type { TasksSpec } from '../spec/schema';
import type { DataLocation } from './data-path';
import { createCsvFamily } from './csv/csv-family';
import { createImageFolderFamily } from './image-folder/image-folder-family';
import { createOmniglotFamily } from './omniglot/omniglot-family';
import { createSinusoidFamily } from './sinusoid';
import type { Preprocessing, TaskFamily, TaskKind } from './task';

/**
 * Where the spec's data is: relative paths resolve against `baseDir` (the spec file's
 * directory); stored references (`sha256:<hex>`) and catalog datasets (`dataset:<name>`)
 * against the files fetched beforehand, since building a family does no network I/O.
 */
export type TaskFamilyOptions = DataLocation;

/**
 * Builds the task family a spec names. Loads its data (cached per process for Omniglot and image folders)
 * and checks everything that depends on it — files, column names, shots and ways against
 * what the data holds — throwing SpecError naming the field.
 */
export function createTaskFamily(spec: TasksSpec, opts: TaskFamilyOptions = {}): TaskFamily {
  switch (spec.family) {
    case 'sinusoid':
      return createSinusoidFamily(spec);
    case 'omniglot':
      return createOmniglotFamily(spec, opts);
    case 'image-folder':
      return createImageFolderFamily(spec, opts);
    case 'csv':
      return createCsvFamily(spec, opts);
  }
}

/** What an exported model's meta.json records about its inputs and outputs. */
export interface TaskFamilyMeta {
  family: string;
  kind: TaskKind;
  inputShape: number[];
  outputSize: number;
  supportSize: number;
  querySize: number;
  labels?: string[];
  preprocessing: Preprocessing;
  source: Record<string, unknown>;
}

/**
 * The family's self-description for meta.json: shapes, label set, input preprocessing and
 * data source, enough to adapt an export without the training spec. JSON-serialisable.
 */
export function describeTaskFamily(family: TaskFamily): TaskFamilyMeta {
  const { labels, preprocessing, source } = family.describe();
  return {
    family: family.family,
    kind: family.kind,
    inputShape: [...family.inputShape],
    outputSize: family.outputSize,
    supportSize: family.supportSize,
    querySize: family.querySize,
    ...(labels ? { labels } : {}),
    preprocessing,
    source,
  };
}
