import type { TasksSpec } from '../spec/schema';

/**
 * The catalog datasets a task spec names (`tasks.dataset`, `tasks.testDataset`), each once:
 * what must be fetched before its task family is built.
 */
export function datasetsOf(tasks: TasksSpec): string[] {
  if (tasks.family !== 'omniglot') return [];
  const named = [tasks.dataset, tasks.testDataset].filter((name): name is string => name !== undefined);
  return [...new Set(named)];
}
