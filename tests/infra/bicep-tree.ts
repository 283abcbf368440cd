/** Navigating a parsed Bicep file (bicep-reader.ts): statements, object properties, source text. */
import type { BicepFile, Expr, Span, Statement } from './bicep-reader.js';
import { position, tokenize } from './bicep-tokens.js';

/**
 * Offsets of every `name(` in the file for the given function names, found by the tokenizer
 * rather than the parser: comments are skipped, and string interpolations (`'${f(...)}'`) are
 * scanned too. A lexical cross-check for anything that walks the syntax tree looking for calls.
 */
export function callSites(file: BicepFile, names: readonly string[]): number[] {
  const out: number[] = [];
  const scan = (from: number, to: number): void => {
    const tokens = tokenize(file.text, file.path, from, to);
    tokens.forEach((token, i) => {
      const next = tokens[i + 1];
      if (token.kind === 'ident' && names.includes(token.value) && next?.kind === 'punct' && next.value === '(') out.push(token.start);
      for (const hole of token.holes ?? []) scan(hole.start, hole.end);
    });
  };
  scan(0, file.text.length);
  return out.sort((a, b) => a - b);
}

/** `line:column` (1-based) of an offset in a file, for failure messages. */
export function positionOf(file: BicepFile, offset: number): string {
  return position(file.text, offset);
}

export function sourceText(file: BicepFile, node: Span): string {
  return file.text.slice(node.start, node.end);
}

export function statementsOf<K extends Statement['kind']>(file: BicepFile, kind: K): Extract<Statement, { kind: K }>[] {
  return file.statements.filter((s): s is Extract<Statement, { kind: K }> => s.kind === kind);
}

export function findStatement<K extends Statement['kind']>(file: BicepFile, kind: K, name: string): Extract<Statement, { kind: K }> | undefined {
  return statementsOf(file, kind).find((s) => 'name' in s && s.name === name);
}

/** The object a resource/module declaration assigns, looking through `if (...)` and `[for ...]`. */
export function bodyOf(value: Expr): Extract<Expr, { type: 'object' }> {
  if (value.type === 'object') return value;
  if (value.type === 'if') return bodyOf(value.body);
  if (value.type === 'for') return bodyOf(value.body);
  throw new Error(`expected an object body, found ${value.type}`);
}

/** A property of an object expression by dotted path, e.g. `properties.siteConfig.minTlsVersion`. */
export function prop(object: Expr | undefined, path: string): Expr | undefined {
  let current: Expr | undefined = object;
  for (const key of path.split('.')) {
    if (!current) return undefined;
    if (current.type === 'if' || current.type === 'for') current = bodyOf(current);
    if (current.type !== 'object') return undefined;
    current = current.props.find((p) => p.key === key)?.value;
  }
  return current;
}

/** Every identifier an expression refers to (not property names), for "does X come from Y" checks. */
export function referencedNames(expr: Expr): string[] {
  const out: string[] = [];
  const walk = (e: Expr): void => {
    switch (e.type) {
      case 'ident':
        out.push(e.name);
        break;
      case 'member':
        walk(e.object);
        break;
      case 'index':
        walk(e.object);
        walk(e.index);
        break;
      case 'call':
        if (e.callee.type === 'member') walk(e.callee.object);
        e.args.forEach(walk);
        break;
      case 'string':
        e.holes.forEach(walk);
        break;
      case 'object':
        e.props.forEach((p) => walk(p.value));
        break;
      case 'array':
        e.items.forEach(walk);
        break;
      case 'for':
        walk(e.source);
        walk(e.body);
        break;
      case 'if':
        walk(e.condition);
        walk(e.body);
        break;
      case 'unary':
        walk(e.operand);
        break;
      case 'binary':
        walk(e.left);
        walk(e.right);
        break;
      case 'ternary':
        walk(e.condition);
        walk(e.whenTrue);
        walk(e.whenFalse);
        break;
      case 'lambda':
        walk(e.body);
        break;
      default:
        break;
    }
  };
  walk(expr);
  return out;
}
