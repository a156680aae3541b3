import ts from 'typescript';
import { join } from 'node:path';
import { kindOf } from './schemas';
import { REPO, type K8sObject } from './yaml-files';

const VIRTUAL = join(REPO, 'test', 'infra', '__manifests__.ts');

/**
 * Fields the schemas do not know. The Kubernetes OpenAPI schemas allow unknown fields (the API
 * server drops them, at most with a warning), so a misspelt `terminationGracePeriodSecond`
 * passes {@link schemaError}. TypeScript's excess-property check on the kubernetes-models
 * types catches it: every object becomes a typed literal, and the compiler's complaints about
 * it are returned, one line each (empty when all fields are known and well typed).
 */
export function strictFieldErrors(objects: readonly { label: string; object: K8sObject }[]): string[] {
  const imports = new Map<string, string>();
  const lines = objects.map(({ object }, i) => {
    const { module, type } = kindOf(object);
    const alias = `T${imports.size}`;
    if (!imports.has(module)) imports.set(module, `import type { ${type} as ${alias} } from '${module}';`);
    const name = /as (T\d+)/.exec(imports.get(module) ?? '')?.[1];
    return `export const o${i}: ${name} = ${JSON.stringify(object)};`;
  });
  const source = [...imports.values(), ...lines].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (file) => (file === VIRTUAL ? source : readFile(file));
  host.fileExists = (file) => file === VIRTUAL || ts.sys.fileExists(file);
  host.getSourceFile = (file, language) => (file === VIRTUAL ? ts.createSourceFile(file, source, language) : getSourceFile(file, language));
  const program = ts.createProgram([VIRTUAL], options, host);
  const file = program.getSourceFile(VIRTUAL);
  return ts.getPreEmitDiagnostics(program, file).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const index = line - imports.size;
    const label = objects[index]?.label ?? '(imports)';
    return `${label}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}
