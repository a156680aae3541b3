import { z } from 'zod';
import { ConfigError } from '../errors';

/** The environment settings are read from: `process.env`, or a test's record. */
export type Env = Readonly<Record<string, string | undefined>>;

const dotted = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/**
 * The first issue of a failed zod parse: its path joined with '.' ('' for the value itself) and
 * its message. Zod reports issues in the order of the schema's keys, so the first names the
 * first bad field: one error at a time, naming it, is what every boundary answers.
 */
export function firstIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  return { path: dotted(issue?.path ?? []), message: issue?.message ?? 'is not valid' };
}

/**
 * Parses `input` with `schema`. Zod reports issues in the order of the schema's keys; the
 * first becomes the error, so a user fixes one setting at a time with a message that names it.
 * @param settingOf names the setting at an issue's path. @default the path joined with '.', e.g. `limits.maxTaskExamples`
 * @throws {ConfigError} naming the setting, with the issue's message as the reason.
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, settingOf: (path: readonly PropertyKey[]) => string = dotted): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(settingOf(result.error.issues[0]?.path ?? []), firstIssue(result.error).message);
}

/** How each option is read from its variable's text; an option without a schema is the text as is. */
export type EnvFields<N> = { readonly [K in keyof N]?: z.ZodType<unknown, string> };

/** What {@link parseEnv} returns: the options whose variables are set. */
export type EnvOptions<N, F extends EnvFields<N>> = { [K in keyof N]?: F[K] extends z.ZodType ? z.output<F[K]> : string };

/**
 * Reads the variable `names` gives for each option, and nothing else (deployment files are
 * checked against the lists of variables a process reads), then parses each text with its
 * option's schema in `fields`. Unset and empty variables are left out: their options take
 * the defaults.
 * @throws {ConfigError} naming the variable at fault.
 */
export function parseEnv<N extends Readonly<Record<string, string>>, F extends EnvFields<N>>(env: Env, names: N, fields: F): EnvOptions<N, F> {
  const texts: Record<string, string> = {};
  const shape: Record<string, z.ZodType> = {};
  for (const [option, name] of Object.entries(names)) {
    const text = env[name];
    if (text !== undefined && text !== '') texts[option] = text;
    shape[option] = (fields[option] ?? z.string()).optional();
  }
  return parseConfig(z.object(shape), texts, ([option]) => names[String(option)] ?? String(option)) as EnvOptions<N, F>;
}
