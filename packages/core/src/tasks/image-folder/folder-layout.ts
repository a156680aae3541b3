import { SpecError } from '../../errors';
import { compareCodeUnits } from '../hold-out';

/** The images of one class folder: their paths within the source, sorted by file name. */
export interface ClassFiles {
  name: string;
  /** paths as given to {@link groupByClass}, in code-unit order of their file names */
  files: string[];
}

export interface LayoutOptions {
  /** what the paths are in, for messages (the folder or zip) */
  where: string;
  /** the spec field to name in a SpecError */
  field: string;
  /** a zip may wrap the class folders in one top folder (as zipping a folder does): skip it */
  skipTopFolder: boolean;
}

/**
 * Groups image paths (`/`-separated, relative to the folder or zip root) into classes by their
 * folder: `<class>/<image>`. Classes are sorted by name and files by name in code-unit order,
 * so the result depends neither on the file system's nor the zip's order. An image anywhere
 * else is a SpecError naming it: dropping it silently would train on other data than the user has.
 */
export function groupByClass(paths: readonly string[], opts: LayoutOptions): ClassFiles[] {
  let parts = paths.map((p) => p.split('/'));
  const top = parts[0]?.[0];
  if (opts.skipTopFolder && parts.every((p) => p.length >= 3 && p[0] === top)) parts = parts.map((p) => p.slice(1));
  const byClass = new Map<string, { file: string; path: string }[]>();
  parts.forEach((p, i) => {
    const path = paths[i] as string;
    if (p.length === 1) {
      throw new SpecError(opts.field, `${path} in ${opts.where} is not in a class folder; the layout is <class>/<image>`);
    }
    if (p.length > 2) {
      throw new SpecError(
        opts.field,
        `${path} in ${opts.where} is in a folder inside class folder ${p[0]}; the layout is <class>/<image>, one folder per class` +
          (!opts.skipTopFolder && allOneDeeper(parts) ? ` (every image is one folder deeper: point ${opts.field} at ${opts.where}/${p[0]}?)` : ''),
      );
    }
    const [name, file] = p as [string, string];
    let files = byClass.get(name);
    if (!files) byClass.set(name, (files = []));
    files.push({ file, path });
  });
  return [...byClass.entries()]
    .sort(([a], [b]) => compareCodeUnits(a, b))
    .map(([name, files]) => ({ name, files: files.sort((a, b) => compareCodeUnits(a.file, b.file)).map((f) => f.path) }));
}

/** Whether every image sits at `<top>/<class>/<image>` under one top folder. */
function allOneDeeper(parts: readonly string[][]): boolean {
  const top = parts[0]?.[0];
  return parts.every((p) => p.length === 3 && p[0] === top);
}
