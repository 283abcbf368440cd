/**
 * A small Bicep reader for the infrastructure tests: a tokenizer, a recursive-descent parser for
 * the declarations and expressions the templates use, and an evaluator for the parts that are
 * knowable without Azure (literals, params' defaults, vars, imports, loops, string interpolation).
 *
 * Why hand-written: no maintained npm package parses Bicep without the Bicep CLI binary
 * (`bicep-node` drives the CLI; `@azure/bicep-types` describes resource types and parses nothing;
 * `tree-sitter-bicep` is a grammar that needs a native or WASM tree-sitter runtime added to the
 * project). This reader is deliberately strict: anything it does not understand is a parse error
 * naming the file and position, never a silent skip, so a template it cannot read fails the tests.
 *
 * It does not type-check, resolve resource types or know ARM semantics: that is what the Bicep
 * CLI (`az bicep build`) does, and docs/deploy.md says to run it where it is available.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// ------------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'ident' | 'string' | 'number' | 'punct' | 'newline' | 'eof';

interface Token {
  kind: TokenKind;
  value: string;
  start: number;
  end: number;
  /** For strings: literal segments and the source offsets of `${...}` expressions between them. */
  segments?: string[];
  holes?: { start: number; end: number }[];
}

const PUNCTUATION = ['==', '!=', '<=', '>=', '&&', '||', '??', '=>', '.?', '::', '{', '}', '[', ']', '(', ')', ',', ':', '.', '?', '=', '@', '!', '<', '>', '+', '-', '*', '/', '%', '|'];

export class BicepSyntaxError extends Error {
  override readonly name = 'BicepSyntaxError';
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

function tokenize(text: string, file: string, from = 0, to = text.length): Token[] {
  const tokens: Token[] = [];
  let i = from;
  const fail = (message: string, at: number): never => {
    throw new BicepSyntaxError(`${file}:${position(text, at)}: ${message}`);
  };
  while (i < to) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\n') {
      tokens.push({ kind: 'newline', value: '\n', start: i, end: i + 1 });
      i++;
    } else if (text.startsWith('//', i)) {
      while (i < to && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0 || close > to) fail('unterminated comment', i);
      i = close + 2;
    } else if (text.startsWith("'''", i)) {
      const close = text.indexOf("'''", i + 3);
      if (close < 0 || close > to) fail('unterminated multi-line string', i);
      const raw = text.slice(i + 3, close);
      tokens.push({ kind: 'string', value: raw, start: i, end: close + 3, segments: [raw.replace(/^\r?\n/, '')], holes: [] });
      i = close + 3;
    } else if (c === "'") {
      const start = i;
      const segments: string[] = [];
      const holes: { start: number; end: number }[] = [];
      let current = '';
      i++;
      for (;;) {
        if (i >= to) fail('unterminated string', start);
        const ch = text[i]!;
        if (ch === '\n') fail('newline in string', start);
        if (ch === "'") {
          i++;
          break;
        }
        if (ch === '\\') {
          const next = text[i + 1];
          const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };
          if (next !== undefined && next in escapes) {
            current += escapes[next];
            i += 2;
            continue;
          }
          if (next === 'u') {
            const close = text.indexOf('}', i);
            current += String.fromCodePoint(parseInt(text.slice(i + 3, close), 16));
            i = close + 1;
            continue;
          }
          fail(`unknown escape \\${next ?? ''}`, i);
        }
        if (ch === '$' && text[i + 1] === '{') {
          // Find the matching brace, skipping nested strings and braces.
          let depth = 1;
          let j = i + 2;
          while (depth > 0) {
            if (j >= to) fail('unterminated interpolation', i);
            const cj = text[j]!;
            if (cj === "'") {
              j++;
              while (j < to && text[j] !== "'") j += text[j] === '\\' ? 2 : 1;
            } else if (cj === '{') depth++;
            else if (cj === '}') depth--;
            j++;
          }
          segments.push(current);
          current = '';
          holes.push({ start: i + 2, end: j - 1 });
          i = j;
          continue;
        }
        current += ch;
        i++;
      }
      segments.push(current);
      tokens.push({ kind: 'string', value: segments.join(''), start, end: i, segments, holes });
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < to && /[0-9.]/.test(text[i]!)) i++;
      tokens.push({ kind: 'number', value: text.slice(start, i), start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < to && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      tokens.push({ kind: 'ident', value: text.slice(start, i), start, end: i });
    } else {
      const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
      if (!punct) fail(`unexpected character ${JSON.stringify(c)}`, i);
      tokens.push({ kind: 'punct', value: punct!, start: i, end: i + punct!.length });
      i += punct!.length;
    }
  }
  tokens.push({ kind: 'eof', value: '', start: to, end: to });
  return tokens;
}

// ------------------------------------------------------------------------------------------------
// Syntax tree

interface Span {
  start: number;
  end: number;
}

export type Expr =
  | (Span & { type: 'object'; props: { key: string; keyExpr?: Expr; value: Expr }[] })
  | (Span & { type: 'array'; items: Expr[] })
  | (Span & { type: 'for'; item: string; index?: string; source: Expr; body: Expr })
  | (Span & { type: 'if'; condition: Expr; body: Expr })
  | (Span & { type: 'string'; segments: string[]; holes: Expr[] })
  | (Span & { type: 'number'; value: number })
  | (Span & { type: 'bool'; value: boolean })
  | (Span & { type: 'null' })
  | (Span & { type: 'ident'; name: string })
  | (Span & { type: 'member'; object: Expr; property: string; optional: boolean })
  | (Span & { type: 'index'; object: Expr; index: Expr })
  | (Span & { type: 'call'; callee: Expr; args: Expr[] })
  | (Span & { type: 'unary'; op: string; operand: Expr })
  | (Span & { type: 'binary'; op: string; left: Expr; right: Expr })
  | (Span & { type: 'ternary'; condition: Expr; whenTrue: Expr; whenFalse: Expr })
  | (Span & { type: 'lambda'; params: string[]; body: Expr });

export interface Decorator {
  name: string;
  args: Expr[];
}

export type Statement =
  | (Span & { kind: 'targetScope'; value: Expr })
  | (Span & { kind: 'import'; symbols: string[]; from: string })
  | (Span & { kind: 'using'; path: string })
  | (Span & { kind: 'param'; name: string; typeText: string; value?: Expr; decorators: Decorator[] })
  | (Span & { kind: 'var'; name: string; value: Expr; decorators: Decorator[] })
  | (Span & { kind: 'resource'; name: string; resourceType: string; apiVersion: string; existing: boolean; value: Expr; decorators: Decorator[] })
  | (Span & { kind: 'module'; name: string; path: string; value: Expr; decorators: Decorator[] })
  | (Span & { kind: 'output'; name: string; typeText: string; value: Expr; decorators: Decorator[] })
  | (Span & { kind: 'func'; name: string; params: string[]; typeText: string; body: Expr; decorators: Decorator[] })
  | (Span & { kind: 'type'; name: string; decorators: Decorator[] })
  | (Span & { kind: 'metadata'; name: string; value: Expr });

const BINARY_PRECEDENCE: Record<string, number> = {
  '??': 1,
  '||': 2,
  '&&': 3,
  '==': 4,
  '!=': 4,
  '<': 5,
  '>': 5,
  '<=': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    this.pos++;
    return token;
  }

  private fail(message: string, token = this.peek()): never {
    throw new BicepSyntaxError(`${this.file}:${position(this.text, token.start)}: ${message} (found ${JSON.stringify(token.value)})`);
  }

  private is(value: string, offset = 0): boolean {
    const token = this.peek(offset);
    return (token.kind === 'punct' || token.kind === 'ident') && token.value === value;
  }

  private expect(value: string): Token {
    if (!this.is(value)) this.fail(`expected ${JSON.stringify(value)}`);
    return this.next();
  }

  private skipNewlines(): void {
    while (this.peek().kind === 'newline') this.pos++;
  }

  /** Next token past newlines, without consuming. */
  private peekPastNewlines(): Token {
    let offset = 0;
    while (this.peek(offset).kind === 'newline') offset++;
    return this.peek(offset);
  }

  private ident(): string {
    const token = this.next();
    if (token.kind !== 'ident') this.fail('expected an identifier', token);
    return token.value;
  }

  private stringLiteral(): string {
    const token = this.next();
    if (token.kind !== 'string' || (token.holes?.length ?? 0) > 0) this.fail('expected a plain string', token);
    return token.value;
  }

  /** Raw text up to `=` (or `=>`) at bracket depth 0 on the same line: a type annotation. */
  private typeText(stopAtArrow = false): string {
    const start = this.peek().start;
    let depth = 0;
    let end = start;
    for (;;) {
      const token = this.peek();
      if (token.kind === 'eof') break;
      if (depth === 0 && token.kind === 'newline') break;
      if (depth === 0 && token.kind === 'punct' && (token.value === '=' || (stopAtArrow && token.value === '=>'))) break;
      if (token.kind === 'punct' && ['{', '[', '('].includes(token.value)) depth++;
      if (token.kind === 'punct' && ['}', ']', ')'].includes(token.value)) depth--;
      if (token.kind === 'newline' && depth > 0) {
        this.next();
        continue;
      }
      end = token.end;
      this.next();
    }
    return this.text.slice(start, end).trim();
  }

  parseProgram(): Statement[] {
    const statements: Statement[] = [];
    let decorators: Decorator[] = [];
    for (;;) {
      this.skipNewlines();
      const token = this.peek();
      if (token.kind === 'eof') break;
      if (this.is('@')) {
        decorators.push(this.decorator());
        continue;
      }
      statements.push(this.statement(decorators));
      decorators = [];
      const after = this.peek();
      if (after.kind !== 'newline' && after.kind !== 'eof') this.fail('expected the end of the statement');
    }
    return statements;
  }

  private decorator(): Decorator {
    this.expect('@');
    let name = this.ident();
    while (this.is('.')) {
      this.next();
      name += `.${this.ident()}`;
    }
    this.expect('(');
    const args = this.argumentList(')');
    return { name, args };
  }

  private statement(decorators: Decorator[]): Statement {
    const start = this.peek().start;
    const keyword = this.ident();
    const span = () => ({ start, end: this.tokens[this.pos - 1]!.end });
    switch (keyword) {
      case 'targetScope': {
        this.expect('=');
        return { kind: 'targetScope', value: this.expression(), ...span() };
      }
      case 'using':
        return { kind: 'using', path: this.stringLiteral(), ...span() };
      case 'import': {
        const symbols: string[] = [];
        if (this.is('*')) {
          this.next();
          this.expect('as');
          symbols.push(`* as ${this.ident()}`);
        } else {
          this.expect('{');
          this.skipNewlines();
          while (!this.is('}')) {
            symbols.push(this.ident());
            this.skipNewlines();
            if (this.is(',')) this.next();
            this.skipNewlines();
          }
          this.expect('}');
        }
        this.expect('from');
        return { kind: 'import', symbols, from: this.stringLiteral(), ...span() };
      }
      case 'metadata': {
        const name = this.ident();
        this.expect('=');
        return { kind: 'metadata', name, value: this.expression(), ...span() };
      }
      case 'param': {
        const name = this.ident();
        const typeText = this.is('=') ? '' : this.typeText();
        let value: Expr | undefined;
        if (this.is('=')) {
          this.next();
          value = this.expression();
        }
        return { kind: 'param', name, typeText, value, decorators, ...span() };
      }
      case 'var': {
        const name = this.ident();
        this.expect('=');
        return { kind: 'var', name, value: this.expression(), decorators, ...span() };
      }
      case 'resource': {
        const name = this.ident();
        const typeToken = this.stringLiteral();
        const at = typeToken.lastIndexOf('@');
        if (at < 0) this.fail(`resource ${name}: type without an API version`);
        let existing = false;
        if (this.is('existing')) {
          this.next();
          existing = true;
        }
        this.expect('=');
        return { kind: 'resource', name, resourceType: typeToken.slice(0, at), apiVersion: typeToken.slice(at + 1), existing, value: this.expression(), decorators, ...span() };
      }
      case 'module': {
        const name = this.ident();
        const path = this.stringLiteral();
        this.expect('=');
        return { kind: 'module', name, path, value: this.expression(), decorators, ...span() };
      }
      case 'output': {
        const name = this.ident();
        const typeText = this.typeText();
        this.expect('=');
        return { kind: 'output', name, typeText, value: this.expression(), decorators, ...span() };
      }
      case 'func': {
        const name = this.ident();
        this.expect('(');
        const params: string[] = [];
        while (!this.is(')')) {
          params.push(this.ident());
          // The parameter's type: everything up to ',' or ')' at bracket depth 0.
          let depth = 0;
          while (depth > 0 || !(this.is(',') || this.is(')'))) {
            if (this.peek().kind === 'eof') this.fail('unterminated parameter list');
            if (this.is('(') || this.is('[') || this.is('{')) depth++;
            if (this.is(')') || this.is(']') || this.is('}')) depth--;
            this.next();
          }
          if (this.is(',')) this.next();
        }
        this.expect(')');
        const typeText = this.typeText(true);
        this.expect('=>');
        this.skipNewlines();
        return { kind: 'func', name, params, typeText, body: this.expression(), decorators, ...span() };
      }
      case 'type': {
        const name = this.ident();
        this.expect('=');
        this.typeText();
        return { kind: 'type', name, decorators, ...span() };
      }
      default:
        return this.fail(`unknown statement ${keyword}`);
    }
  }

  private argumentList(close: string): Expr[] {
    const args: Expr[] = [];
    this.skipNewlines();
    while (!this.is(close)) {
      args.push(this.expression());
      this.skipNewlines();
      if (this.is(',')) {
        this.next();
        this.skipNewlines();
      } else if (!this.is(close)) this.fail(`expected "," or "${close}"`);
    }
    this.expect(close);
    return args;
  }

  expression(): Expr {
    const condition = this.binary(0);
    const ahead = this.peekPastNewlines();
    if (ahead.kind === 'punct' && ahead.value === '?') {
      this.skipNewlines();
      this.next();
      this.skipNewlines();
      const whenTrue = this.expression();
      this.skipNewlines();
      this.expect(':');
      this.skipNewlines();
      const whenFalse = this.expression();
      return { type: 'ternary', condition, whenTrue, whenFalse, start: condition.start, end: whenFalse.end };
    }
    return condition;
  }

  private binary(minPrecedence: number): Expr {
    let left = this.unary();
    for (;;) {
      const ahead = this.peekPastNewlines();
      const precedence = ahead.kind === 'punct' ? BINARY_PRECEDENCE[ahead.value] : undefined;
      if (precedence === undefined || precedence <= minPrecedence) return left;
      // A line may continue with a binary operator only if it is not a plain object separator.
      this.skipNewlines();
      const op = this.next().value;
      this.skipNewlines();
      const right = this.binary(precedence);
      left = { type: 'binary', op, left, right, start: left.start, end: right.end };
    }
  }

  private unary(): Expr {
    if (this.is('!') || this.is('-')) {
      const token = this.next();
      const operand = this.unary();
      return { type: 'unary', op: token.value, operand, start: token.start, end: operand.end };
    }
    return this.postfix(this.primary());
  }

  private postfix(expr: Expr): Expr {
    for (;;) {
      if (this.is('.') || this.is('.?')) {
        const optional = this.next().value === '.?';
        const property = this.next();
        if (property.kind !== 'ident') this.fail('expected a property name', property);
        expr = { type: 'member', object: expr, property: property.value, optional, start: expr.start, end: property.end };
      } else if (this.is('[') && this.peek().start === expr.end) {
        this.next();
        const index = this.expression();
        const close = this.expect(']');
        expr = { type: 'index', object: expr, index, start: expr.start, end: close.end };
      } else if (this.is('(') && (expr.type === 'ident' || expr.type === 'member')) {
        this.next();
        const args = this.argumentList(')');
        expr = { type: 'call', callee: expr, args, start: expr.start, end: this.tokens[this.pos - 1]!.end };
      } else if (this.is('!') && this.peek().start === expr.end) {
        // Non-null assertion: no effect on evaluation.
        this.next();
      } else if (this.is('::')) {
        this.next();
        const property = this.ident();
        expr = { type: 'member', object: expr, property, optional: false, start: expr.start, end: this.tokens[this.pos - 1]!.end };
      } else {
        return expr;
      }
    }
  }

  private primary(): Expr {
    const token = this.peek();
    if (token.kind === 'string') {
      this.next();
      const holes = (token.holes ?? []).map((hole) => {
        const inner = new Parser(this.text, this.file, tokenize(this.text, this.file, hole.start, hole.end));
        const expr = inner.expression();
        return expr;
      });
      return { type: 'string', segments: token.segments ?? [token.value], holes, start: token.start, end: token.end };
    }
    if (token.kind === 'number') {
      this.next();
      return { type: 'number', value: Number(token.value), start: token.start, end: token.end };
    }
    if (token.kind === 'ident') {
      if (token.value === 'true' || token.value === 'false') {
        this.next();
        return { type: 'bool', value: token.value === 'true', start: token.start, end: token.end };
      }
      if (token.value === 'null') {
        this.next();
        return { type: 'null', start: token.start, end: token.end };
      }
      if (token.value === 'if' && this.is('(', 1)) {
        this.next();
        this.expect('(');
        const condition = this.expression();
        this.expect(')');
        this.skipNewlines();
        const body = this.expression();
        return { type: 'if', condition, body, start: token.start, end: body.end };
      }
      // Single-parameter lambda: x => body
      if (this.is('=>', 1)) {
        this.next();
        this.next();
        this.skipNewlines();
        const body = this.expression();
        return { type: 'lambda', params: [token.value], body, start: token.start, end: body.end };
      }
      this.next();
      return { type: 'ident', name: token.value, start: token.start, end: token.end };
    }
    if (this.is('(')) {
      // Either a parenthesised expression or a lambda's parameter list.
      const start = this.next().start;
      const save = this.pos;
      const params: string[] = [];
      let isLambda = true;
      while (!this.is(')')) {
        if (this.peek().kind !== 'ident') {
          isLambda = false;
          break;
        }
        params.push(this.next().value);
        if (this.is(',')) this.next();
        else if (!this.is(')')) {
          isLambda = false;
          break;
        }
      }
      if (isLambda && this.is(')') && this.is('=>', 1)) {
        this.next();
        this.next();
        this.skipNewlines();
        const body = this.expression();
        return { type: 'lambda', params, body, start, end: body.end };
      }
      this.pos = save;
      this.skipNewlines();
      const inner = this.expression();
      this.skipNewlines();
      const close = this.expect(')');
      return { ...inner, start, end: close.end };
    }
    if (this.is('{')) return this.object();
    if (this.is('[')) return this.arrayOrFor();
    return this.fail('expected an expression');
  }

  private object(): Expr {
    const start = this.expect('{').start;
    const props: { key: string; keyExpr?: Expr; value: Expr }[] = [];
    this.skipNewlines();
    while (!this.is('}')) {
      const keyToken = this.peek();
      let key: string;
      let keyExpr: Expr | undefined;
      if (keyToken.kind === 'ident') {
        key = this.next().value;
      } else if (keyToken.kind === 'string') {
        const expr = this.primary();
        if (expr.type === 'string' && expr.holes.length > 0) {
          keyExpr = expr;
          key = this.text.slice(expr.start, expr.end);
        } else key = keyToken.value;
      } else {
        return this.fail('expected a property name');
      }
      this.expect(':');
      this.skipNewlines();
      const value = this.expression();
      props.push({ key, keyExpr, value });
      if (this.is(',')) this.next();
      else if (this.peek().kind !== 'newline' && !this.is('}')) this.fail('expected a newline, "," or "}" after a property');
      this.skipNewlines();
    }
    const end = this.expect('}').end;
    return { type: 'object', props, start, end };
  }

  private arrayOrFor(): Expr {
    const start = this.expect('[').start;
    this.skipNewlines();
    if (this.is('for')) {
      this.next();
      let item: string;
      let index: string | undefined;
      if (this.is('(')) {
        this.next();
        item = this.ident();
        this.expect(',');
        index = this.ident();
        this.expect(')');
      } else item = this.ident();
      this.expect('in');
      const source = this.expression();
      this.expect(':');
      this.skipNewlines();
      const body = this.expression();
      this.skipNewlines();
      const end = this.expect(']').end;
      return { type: 'for', item, index, source, body, start, end };
    }
    const items: Expr[] = [];
    while (!this.is(']')) {
      items.push(this.expression());
      if (this.is(',')) this.next();
      else if (this.peek().kind !== 'newline' && !this.is(']')) this.fail('expected a newline, "," or "]" after an array item');
      this.skipNewlines();
    }
    const end = this.expect(']').end;
    return { type: 'array', items, start, end };
  }
}

// ------------------------------------------------------------------------------------------------
// Files

export interface BicepFile {
  path: string;
  text: string;
  statements: Statement[];
}

export function parseBicep(text: string, path = '<inline>'): BicepFile {
  const parser = new Parser(text, path, tokenize(text, path));
  return { path, text, statements: parser.parseProgram() };
}

const cache = new Map<string, BicepFile>();

/** Parses (once) a Bicep or bicepparam file by absolute path. */
export function loadBicep(path: string): BicepFile {
  const absolute = resolve(path);
  let file = cache.get(absolute);
  if (!file) {
    file = parseBicep(readFileSync(absolute, 'utf8'), absolute);
    cache.set(absolute, file);
  }
  return file;
}

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

// ------------------------------------------------------------------------------------------------
// Evaluation

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
