/**
 * Evaluates Bicep expressions (bicep-reader.ts) as far as the template text allows: literals,
 * params' defaults, vars, imports, loops, string interpolation and a few functions.
 */
import { dirname, join } from 'node:path';
import { loadBicep, type BicepFile, type Expr } from './bicep-reader.js';
import { sourceText, statementsOf } from './bicep-tree.js';

/** A value that cannot be known from the template text alone (a runtime property, a param with no default). */
export class Unknown {
  constructor(readonly reason: string) {}
  toString(): string {
    return `<unknown: ${this.reason}>`;
  }
}

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | Unknown;

export interface Scope {
  file: BicepFile;
  locals: Map<string, Value>;
  /** Values for params, by name (e.g. from a bicepparam file); otherwise the default applies. */
  params?: Record<string, Value>;
}

export function scopeOf(file: BicepFile, params?: Record<string, Value>): Scope {
  return { file, locals: new Map(), params };
}

function importedFile(file: BicepFile, from: string): BicepFile {
  return loadBicep(join(dirname(file.path), from));
}

function lookup(name: string, scope: Scope): Value {
  if (scope.locals.has(name)) return scope.locals.get(name)!;
  const { file } = scope;
  for (const statement of file.statements) {
    if (statement.kind === 'var' && statement.name === name) return evaluate(statement.value, scopeOf(file, scope.params));
    if (statement.kind === 'param' && statement.name === name) {
      if (scope.params && name in scope.params) return scope.params[name]!;
      return statement.value ? evaluate(statement.value, scopeOf(file, scope.params)) : new Unknown(`param ${name} has no default`);
    }
    if (statement.kind === 'import' && statement.symbols.includes(name)) {
      return lookup(name, scopeOf(importedFile(file, statement.from)));
    }
    if ((statement.kind === 'resource' || statement.kind === 'module') && statement.name === name) {
      return new Unknown(`${statement.kind} ${name}`);
    }
  }
  return new Unknown(`${name} (not a var, param or import of ${file.path})`);
}

const isUnknown = (value: Value): value is Unknown => value instanceof Unknown;

function callFunction(name: string, args: Value[], expr: Expr, scope: Scope): Value {
  const unknownArg = args.find(isUnknown);
  switch (name) {
    case 'string':
      if (unknownArg) return unknownArg;
      return typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
    case 'toLower':
      return typeof args[0] === 'string' ? args[0].toLowerCase() : new Unknown('toLower');
    case 'empty':
      if (unknownArg) return unknownArg;
      return Array.isArray(args[0]) ? args[0].length === 0 : typeof args[0] === 'string' ? args[0] === '' : args[0] === null || (typeof args[0] === 'object' && Object.keys(args[0] as object).length === 0);
    case 'union':
      if (unknownArg) return unknownArg;
      return Object.assign({}, ...(args as object[]));
    case 'readEnvironmentVariable':
      return new Unknown(`environment variable ${String(args[0])}`);
    case 'join':
      if (unknownArg) return unknownArg;
      return Array.isArray(args[0]) && typeof args[1] === 'string' ? args[0].map(String).join(args[1]) : new Unknown('join');
    case 'split':
      if (unknownArg) return unknownArg;
      return typeof args[0] === 'string' && typeof args[1] === 'string' ? args[0].split(args[1]) : new Unknown('split');
    case 'contains':
      if (unknownArg) return unknownArg;
      if (typeof args[0] === 'string' && typeof args[1] === 'string') return args[0].includes(args[1]);
      if (Array.isArray(args[0])) return args[0].some((item) => JSON.stringify(item) === JSON.stringify(args[1]));
      return new Unknown('contains');
    default: {
      // A user-defined function in this file or imported into it.
      const func = statementsOf(scope.file, 'func').find((f) => f.name === name);
      if (func) {
        const locals = new Map<string, Value>();
        func.params.forEach((param, i) => locals.set(param, args[i] ?? null));
        return evaluate(func.body, { file: scope.file, locals });
      }
      const imported = statementsOf(scope.file, 'import').find((i) => i.symbols.includes(name));
      if (imported) return callFunction(name, args, expr, scopeOf(importedFile(scope.file, imported.from)));
      return new Unknown(`${name}(...)`);
    }
  }
}

/** Evaluates what can be known from the text; anything else becomes an Unknown. */
export function evaluate(expr: Expr, scope: Scope): Value {
  switch (expr.type) {
    case 'string': {
      let out = expr.segments[0] ?? '';
      for (let i = 0; i < expr.holes.length; i++) {
        const value = evaluate(expr.holes[i]!, scope);
        if (isUnknown(value)) return new Unknown(`interpolation ${sourceText(scope.file, expr)}`);
        out += typeof value === 'string' ? value : JSON.stringify(value);
        out += expr.segments[i + 1] ?? '';
      }
      return out;
    }
    case 'number':
    case 'bool':
      return expr.value;
    case 'null':
      return null;
    case 'object': {
      const out: Record<string, Value> = {};
      for (const p of expr.props) {
        const key = p.keyExpr ? evaluate(p.keyExpr, scope) : p.key;
        out[typeof key === 'string' ? key : String(key)] = evaluate(p.value, scope);
      }
      return out;
    }
    case 'array':
      return expr.items.map((item) => evaluate(item, scope));
    case 'for': {
      const source = evaluate(expr.source, scope);
      if (!Array.isArray(source)) return new Unknown(`loop over ${sourceText(scope.file, expr.source)}`);
      return source.map((item, index) => {
        const locals = new Map(scope.locals);
        locals.set(expr.item, item);
        if (expr.index) locals.set(expr.index, index);
        return evaluate(expr.body, { ...scope, locals });
      });
    }
    case 'if':
      return evaluate(expr.body, scope);
    case 'ident':
      return lookup(expr.name, scope);
    case 'member': {
      const object = evaluate(expr.object, scope);
      if (isUnknown(object)) return new Unknown(`${object.reason}.${expr.property}`);
      if (object && typeof object === 'object' && !Array.isArray(object)) {
        if (expr.property in object) return (object as Record<string, Value>)[expr.property]!;
        return expr.optional ? null : new Unknown(`no property ${expr.property}`);
      }
      return new Unknown(`member ${expr.property} of a non-object`);
    }
    case 'index': {
      const object = evaluate(expr.object, scope);
      const index = evaluate(expr.index, scope);
      if (isUnknown(object) || isUnknown(index)) return new Unknown('index');
      if (Array.isArray(object) && typeof index === 'number') return object[index] ?? new Unknown('index out of range');
      if (object && typeof object === 'object' && typeof index === 'string') return (object as Record<string, Value>)[index] ?? new Unknown(`no key ${index}`);
      return new Unknown('index');
    }
    case 'call': {
      const name = expr.callee.type === 'ident' ? expr.callee.name : expr.callee.type === 'member' ? expr.callee.property : '';
      if (expr.callee.type === 'member' && expr.callee.object.type === 'ident' && expr.callee.object.name !== 'sys') {
        return new Unknown(`${sourceText(scope.file, expr)}`);
      }
      // map(array, x => ...): the lambda is applied to each item (lambdas are not values of their own here).
      const [source, lambda] = expr.args;
      if (name === 'map' && lambda?.type === 'lambda' && lambda.params.length === 1) {
        const items = evaluate(source!, scope);
        if (!Array.isArray(items)) return new Unknown(`map over ${sourceText(scope.file, source!)}`);
        return items.map((item) => evaluate(lambda.body, { ...scope, locals: new Map(scope.locals).set(lambda.params[0]!, item) }));
      }
      return callFunction(name, expr.args.map((arg) => evaluate(arg, scope)), expr, scope);
    }
    case 'unary': {
      const operand = evaluate(expr.operand, scope);
      if (isUnknown(operand)) return operand;
      return expr.op === '!' ? !operand : -(operand as number);
    }
    case 'binary': {
      const left = evaluate(expr.left, scope);
      const right = evaluate(expr.right, scope);
      if (expr.op === '??') return isUnknown(left) ? left : left ?? right;
      if (isUnknown(left)) return left;
      if (isUnknown(right)) return right;
      switch (expr.op) {
        case '==':
          return JSON.stringify(left) === JSON.stringify(right);
        case '!=':
          return JSON.stringify(left) !== JSON.stringify(right);
        case '&&':
          return Boolean(left) && Boolean(right);
        case '||':
          return Boolean(left) || Boolean(right);
        default:
          return new Unknown(`operator ${expr.op}`);
      }
    }
    case 'ternary': {
      const condition = evaluate(expr.condition, scope);
      if (isUnknown(condition)) return new Unknown(`condition ${sourceText(scope.file, expr.condition)}`);
      return evaluate(condition ? expr.whenTrue : expr.whenFalse, scope);
    }
    case 'lambda':
      return new Unknown('lambda');
  }
}
