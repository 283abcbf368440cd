/**
 * The project's Bicep templates, parsed once, with helpers the infrastructure tests share.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, scopeOf, Unknown, type Value } from './bicep-evaluate.js';
import { loadBicep, type BicepFile, type Expr, type Statement } from './bicep-reader.js';
import { bodyOf, findStatement, prop, sourceText, statementsOf } from './bicep-tree.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BICEP_DIR = join(REPO_ROOT, 'bicep');

export const readRepoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

/** main.bicep first, then every module. */
export function templateFiles(): BicepFile[] {
  const modules = readdirSync(join(BICEP_DIR, 'modules'))
    .filter((name) => name.endsWith('.bicep'))
    .sort()
    .map((name) => loadBicep(join(BICEP_DIR, 'modules', name)));
  return [loadBicep(join(BICEP_DIR, 'main.bicep')), ...modules];
}

export function paramFiles(): BicepFile[] {
  return readdirSync(join(BICEP_DIR, 'env'))
    .filter((name) => name.endsWith('.bicepparam'))
    .sort()
    .map((name) => loadBicep(join(BICEP_DIR, 'env', name)));
}

export const mainFile = (): BicepFile => loadBicep(join(BICEP_DIR, 'main.bicep'));
export const moduleFile = (name: string): BicepFile => loadBicep(join(BICEP_DIR, 'modules', `${name}.bicep`));

export const shortPath = (file: BicepFile): string => relative(REPO_ROOT, file.path);

export type ResourceStatement = Extract<Statement, { kind: 'resource' }>;

export interface Resource {
  file: BicepFile;
  statement: ResourceStatement;
  /** `file:symbol (Type@version)`, for failure messages. */
  label: string;
  body: Extract<Expr, { type: 'object' }>;
  get(path: string): Expr | undefined;
  /** The evaluated value of a property (Unknown when it depends on deployment-time values). */
  value(path: string): Value | undefined;
  text(path: string): string | undefined;
}

export function resourcesOf(file: BicepFile, options: { includeExisting?: boolean } = {}): Resource[] {
  return statementsOf(file, 'resource')
    .filter((statement) => options.includeExisting || !statement.existing)
    .map((statement) => {
      const body = bodyOf(statement.value);
      const loop = statement.value.type === 'for' ? statement.value : undefined;
      const resource: Resource = {
        file,
        statement,
        label: `${shortPath(file)}:${statement.name} (${statement.resourceType}@${statement.apiVersion})`,
        body,
        get: (path) => prop(body, path),
        value: (path) => {
          const expr = prop(body, path);
          if (!expr) return undefined;
          if (loop) {
            // Evaluate for the first item of the loop; loop tests evaluate the whole array themselves.
            const items = evaluate(loop.source, scopeOf(file));
            if (!Array.isArray(items) || items.length === 0) return new Unknown('loop');
            const locals = new Map<string, Value>([[loop.item, items[0]!]]);
            return evaluate(expr, { file, locals });
          }
          return evaluate(expr, scopeOf(file));
        },
        text: (path) => {
          const expr = prop(body, path);
          return expr ? sourceText(file, expr) : undefined;
        },
      };
      return resource;
    });
}

export function allResources(options: { includeExisting?: boolean } = {}): Resource[] {
  return templateFiles().flatMap((file) => resourcesOf(file, options));
}

export function resourcesOfType(type: string): Resource[] {
  return allResources().filter((r) => r.statement.resourceType.toLowerCase() === type.toLowerCase());
}

export function paramDefault(file: BicepFile, name: string): Value | undefined {
  const param = findStatement(file, 'param', name);
  if (!param) throw new Error(`${shortPath(file)} has no param ${name}`);
  return param.value ? evaluate(param.value, scopeOf(file)) : undefined;
}

export function varValue(file: BicepFile, name: string): Value {
  const statement = findStatement(file, 'var', name);
  if (!statement) throw new Error(`${shortPath(file)} has no var ${name}`);
  return evaluate(statement.value, scopeOf(file));
}

export function varExpr(file: BicepFile, name: string): Expr {
  const statement = findStatement(file, 'var', name);
  if (!statement) throw new Error(`${shortPath(file)} has no var ${name}`);
  return statement.value;
}

/** ISO 8601 duration (PnDTnHnMnS) in seconds. */
export function isoDurationSeconds(duration: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(duration);
  if (!match) throw new Error(`not an ISO 8601 duration: ${duration}`);
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return Number(d) * 86400 + Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/** The values a .bicepparam file sets, by name (Unknown where it reads an environment variable). */
export function paramFileValues(file: BicepFile): Record<string, Value> {
  return Object.fromEntries(statementsOf(file, 'param').map((p) => [p.name, p.value ? evaluate(p.value, scopeOf(file)) : new Unknown(`param ${p.name}`)]));
}

export type ModuleStatement = Extract<Statement, { kind: 'module' }>;

/** The module declaration in main.bicep that deploys modules/<name>.bicep. */
export function moduleDeclaration(name: string): ModuleStatement {
  const declaration = statementsOf(mainFile(), 'module').find((m) => m.path === `modules/${name}.bicep`);
  if (!declaration) throw new Error(`main.bicep deploys no modules/${name}.bicep`);
  return declaration;
}

/** The expressions main.bicep passes to a module, by parameter name. */
export function moduleArgExprs(name: string): Map<string, Expr> {
  const params = prop(bodyOf(moduleDeclaration(name).value), 'params');
  if (params?.type !== 'object') throw new Error(`main.bicep: module ${name} has no params object`);
  return new Map(params.props.map((p) => [p.key, p.value]));
}

/** The source text main.bicep passes to a module parameter, e.g. 'network.outputs.functionSubnetId'. */
export function moduleArgText(name: string, param: string): string | undefined {
  const expr = moduleArgExprs(name).get(param);
  return expr && sourceText(mainFile(), expr);
}

/**
 * The parameter values a module receives when main.bicep is deployed with the given parameter
 * values (a .bicepparam file's; main.bicep's defaults fill the rest). Module outputs and other
 * deployment-time values stay Unknown; parameters main.bicep does not pass take the module's default.
 */
export function moduleArgs(name: string, mainParams: Record<string, Value> = {}): Record<string, Value> {
  const main = mainFile();
  return Object.fromEntries([...moduleArgExprs(name)].map(([key, expr]) => [key, evaluate(expr, scopeOf(main, mainParams))]));
}

/** The module name (what moduleArgs and moduleFile take) of a module file or main.bicep module declaration. */
export const moduleNameOf = (file: { path: string }): string => basename(file.path, '.bicep');

/**
 * Whether a resource is deployed with the given module parameter values: true unless its
 * declaration has an `if (...)` that evaluates to false (Unknown when it cannot be told).
 */
export function deployedWith(resource: Resource, args: Record<string, Value>): boolean | Unknown {
  const value = resource.statement.value;
  if (value.type !== 'if') return true;
  const condition = evaluate(value.condition, scopeOf(resource.file, args));
  return condition instanceof Unknown ? condition : Boolean(condition);
}

/** The symbol a resource's `parent:` or `scope:` names (e.g. `scope: taskEvents` -> 'taskEvents'). */
export function symbolOf(expr: Expr | undefined): string | undefined {
  return expr?.type === 'ident' ? expr.name : undefined;
}

export { evaluate, scopeOf, sourceText, prop, Unknown };
export type { Value };
