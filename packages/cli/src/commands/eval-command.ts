import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createModel, evaluateHeldOut, selectBackend } from '@metatrain/metalearn';
import { createModelLayout, createTaskFamily, dataReferences, STORED_DATA, type TasksSpec } from '@metatrain/core';
import { CliFailure, EXIT_USAGE, UsageError } from '../cli-errors';
import { fetchSpecData } from '../data/cli-datasets';
import { COMMAND_HELP, usageLine } from '../help/commands';
import { parseFlags, positiveInt } from '../parse-flags';
import { formatHeldOut } from '../run/format-report';
import { findExportDir } from '../run/find-export';
import { readExportDir } from '../run/read-export-dir';

/** `metatrain eval` uses its own stream of held-out tasks, apart from evaluation during training. */
const EVAL_COMMAND_STREAM = 1;

/** `metatrain eval <exportDir|runDir> [--tasks 600] [--shots K] [--steps n] [--ways N] [--data path]` */
export async function evalCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, COMMAND_HELP.eval.flags);
  const [target, ...extra] = positionals;
  if (!target || extra.length > 0) throw new UsageError(usageLine('eval'));
  if (!(await stat(target).catch(() => undefined))) throw new CliFailure(`${target}: no such directory`, EXIT_USAGE);
  const dir = await findExportDir(target);
  const loaded = await readExportDir(dir);
  const { meta } = loaded;
  const tasks = { ...meta.task.spec } as Record<string, unknown>;
  if (values.shots !== undefined) tasks.shots = positiveInt('shots', values.shots, 1);
  if (values.ways !== undefined) {
    if (meta.algorithm !== 'protonet') throw new UsageError(`--ways needs a protonet export: a ${meta.algorithm} head has exactly ${meta.output.size} outputs`);
    tasks.ways = positiveInt('ways', values.ways, 5);
  }
  if (values.data !== undefined) {
    // --data replaces the training data, whether the spec named a path or a dataset.
    tasks.path = resolve(values.data);
    delete tasks.dataset;
  }
  // Data uploaded with a job is on its coordinator, not here.
  const stored = dataReferences(tasks as TasksSpec).find(({ path }) => STORED_DATA.test(path));
  if (stored) throw new UsageError(`${stored.field}: the job trained on data uploaded to its coordinator (${stored.path}); pass that data with --data <path>`);
  // A spec that names catalog datasets keeps their names in meta.json: fetched here as for train.
  const files = await fetchSpecData(tasks as TasksSpec);
  const family = createTaskFamily(tasks as TasksSpec, { baseDir: meta.task.dataDir ?? process.cwd(), files });
  await selectBackend({ log: (line) => process.stderr.write(`${line}\n`) });
  const model = createModel(createModelLayout(meta.model, family, meta.algorithm !== 'protonet'));
  const count = positiveInt('tasks', values.tasks, 600);
  const steps = positiveInt('steps', values.steps, meta.adaptation.steps);
  const report = evaluateHeldOut({
    model,
    family,
    params: loaded.params,
    adaptation: { method: meta.adaptation.method, steps, lr: meta.adaptation.lr, parameters: meta.adaptation.parameters },
    tasks: count,
    seed: meta.seed,
    stream: EVAL_COMMAND_STREAM,
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const prototypes = meta.adaptation.method === 'prototypes';
    const how = prototypes ? 'class prototypes from the support set' : `${steps} adaptation step(s)`;
    const ways = tasks.ways === undefined ? '' : `${String(tasks.ways)}-way `;
    process.stdout.write(`${meta.job} (${meta.algorithm}, ${meta.task.family}): ${count} held-out tasks, ${ways}${String(tasks.shots)}-shot, ${how}; mean ± 95 % CI\n`);
    process.stdout.write(formatHeldOut(report, prototypes));
  }
  return 0;
}
