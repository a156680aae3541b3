// Module hooks of load-log.mjs (they run in Node's hooks thread): one JSON line per resolved
// import (`parent` → `url`) and per loaded module, appended synchronously, so the file is
// complete up to any line the process prints after the loads.
import { appendFileSync } from 'node:fs';

let file = '';
const log = (entry) => appendFileSync(file, `${JSON.stringify(entry)}\n`);

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  log({ parent: context.parentURL, specifier, url: resolved.url });
  return resolved;
}

export async function load(url, context, nextLoad) {
  log({ load: url });
  return nextLoad(url, context);
}
