import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { SpecError, SpecErrors } from '../errors';
import { defaultBlockSize } from '../rounds/plan-blocks';
import { type JobSpec, jobSpecSchema } from './schema';

/** A key as a field name: quoted when it is not a plain name, so `""` or `a b` still show. */
function keyName(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : keyName(String(p)))).join('.').replace(/\.\[/g, '[');
}

function describeIssue(issue: z.core.$ZodIssue): SpecError {
  if (issue.code === 'unrecognized_keys') {
    const base = fieldOf(issue.path);
    return new SpecError(issue.keys.map((k) => (base ? `${base}.${keyName(k)}` : keyName(k))).join(', '), 'unknown key');
  }
  return new SpecError(fieldOf(issue.path) || '(spec)', issue.message);
}

/** Checks that need more than one field. */
function crossCheck(spec: JobSpec): SpecError[] {
  const errors: SpecError[] = [];
  if (spec.blockSize > spec.outer.metaBatchSize) {
    errors.push(new SpecError('blockSize', `must not exceed outer.metaBatchSize (${spec.outer.metaBatchSize}): a block is part of a round`));
  }
  if (spec.algorithm === 'protonet' && spec.tasks.family === 'sinusoid') {
    errors.push(new SpecError('algorithm', 'protonet needs a classification task family, not sinusoid'));
  }
  if (spec.algorithm === 'protonet' && spec.tasks.family === 'csv' && spec.tasks.kind !== 'classification') {
    errors.push(new SpecError('algorithm', 'protonet needs tasks.kind: classification'));
  }
  // Image families have an imageSize; the others are not images.
  const imageSize = spec.tasks.family === 'omniglot' || spec.tasks.family === 'image-folder' ? spec.tasks.imageSize : undefined;
  if (spec.model.kind === 'conv4' && imageSize === undefined) {
    errors.push(new SpecError('model.kind', `conv4 needs image tasks (omniglot, image-folder), not ${spec.tasks.family}`));
  }
  if (spec.model.kind === 'conv4' && imageSize !== undefined && imageSize < 16) {
    errors.push(new SpecError('tasks.imageSize', 'conv4 needs images of at least 16×16 (four 2×2 poolings)'));
  }
  const secondOrder = ['maml', 'metasgd', 'anil'].includes(spec.algorithm) && !spec.inner.firstOrder;
  if (spec.inner.firstOrderRounds !== undefined && !secondOrder) {
    errors.push(new SpecError('inner.firstOrderRounds', 'anneals second-order MAML from first order: only with maml, metasgd or anil and inner.firstOrder: false'));
  }
  if (spec.inner.multiStepLossRounds !== undefined && (!['maml', 'fomaml', 'metasgd', 'anil'].includes(spec.algorithm) || spec.inner.steps < 2)) {
    errors.push(new SpecError('inner.multiStepLossRounds', 'weighs the query loss after each inner step: only with maml, fomaml, metasgd or anil and inner.steps of 2 or more'));
  }
  if (spec.outer.sync && spec.outer.localSteps === undefined) {
    errors.push(new SpecError('outer.sync', 'applies the mean change of local steps: set outer.localSteps too'));
  }
  if (spec.eval && spec.eval.everyRounds > spec.outer.iterations) {
    errors.push(new SpecError('eval.everyRounds', `is larger than outer.iterations (${spec.outer.iterations})`));
  }
  return errors;
}

/**
 * Validates a spec object: unknown keys, types, ranges and cross-field rules.
 * Throws SpecErrors naming every bad field. Data-dependent checks (dataset files,
 * shots larger than a class) happen when the task family is loaded.
 */
export function validateSpec(input: unknown): JobSpec {
  const result = jobSpecSchema.safeParse(input);
  if (!result.success) throw new SpecErrors(result.error.issues.map(describeIssue));
  const { blockSize, ...fields } = result.data;
  const spec: JobSpec = { ...fields, blockSize: blockSize ?? defaultBlockSize(fields.outer.metaBatchSize) };
  const errors = crossCheck(spec);
  if (errors.length > 0) throw new SpecErrors(errors);
  return spec;
}

/** The document's value; throws its first error, or its first warning (an unknown tag or directive). */
function readYaml(text: string): unknown {
  // logLevel silent: a warning must not reach process.emitWarning, where any client could
  // make the coordinator print it; it is refused below instead.
  const doc = parseDocument(text, { prettyErrors: true, logLevel: 'silent' });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw problem;
  return doc.toJS(); // throws on an alias bomb (yaml's maxAliasCount)
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseSpecText(text: string): JobSpec {
  let raw: unknown;
  try {
    raw = readYaml(text);
  } catch (err) {
    // The first line: prettyErrors appends a code frame after a colon.
    const msg = err instanceof Error ? (err.message.split('\n')[0] ?? '').replace(/:$/, '') : String(err);
    throw new SpecErrors([new SpecError('(spec)', `not valid YAML or JSON: ${msg}`)]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SpecErrors([new SpecError('(spec)', 'must be a mapping of fields (YAML or JSON object)')]);
  }
  return validateSpec(raw);
}
