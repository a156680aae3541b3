import type { TasksSpec } from '../spec/schema';

/** One data path a spec names, with the field that names it (`tasks.path`, `tasks.testPath[1]`). */
export interface DataReference {
  field: string;
  path: string;
}

/** The data paths of a tasks spec, in field order (a sinusoid names none). */
export function dataReferences(tasks: TasksSpec): DataReference[] {
  const of = (field: string, value: string | string[] | undefined): DataReference[] =>
    value === undefined ? [] : Array.isArray(value) ? value.map((path, i) => ({ field: `${field}[${i}]`, path })) : [{ field, path: value }];
  switch (tasks.family) {
    case 'sinusoid':
      return [];
    case 'csv':
      return of('tasks.path', tasks.path);
    case 'omniglot':
    case 'image-folder':
      return [...of('tasks.path', tasks.path), ...of('tasks.testPath', tasks.testPath)];
  }
}

/** `tasks` with each data path replaced by `replace(reference)`; the spec is not changed. */
export function withDataPaths<T extends TasksSpec>(tasks: T, replace: (reference: DataReference) => string): T {
  const one = (field: string, value: string | string[] | undefined) =>
    value === undefined ? undefined : Array.isArray(value) ? value.map((path, i) => replace({ field: `${field}[${i}]`, path })) : replace({ field, path: value });
  switch (tasks.family) {
    case 'csv':
      return { ...tasks, path: one('tasks.path', tasks.path) as string };
    case 'omniglot':
      return { ...tasks, path: one('tasks.path', tasks.path) as string | string[], ...(tasks.testPath === undefined ? {} : { testPath: one('tasks.testPath', tasks.testPath) }) };
    case 'image-folder':
      return { ...tasks, path: one('tasks.path', tasks.path) as string, ...(tasks.testPath === undefined ? {} : { testPath: one('tasks.testPath', tasks.testPath) as string }) };
    default:
      return tasks;
  }
}
