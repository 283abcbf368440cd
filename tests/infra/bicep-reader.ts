/**
 * A small Bicep reader for the infrastructure tests: a tokenizer (bicep-tokens.ts), a
 * recursive-descent parser for the declarations and expressions the templates use (here), helpers
 * to navigate the syntax tree (bicep-tree.ts), and an evaluator for the parts that are knowable
 * without Azure (bicep-evaluate.ts: literals, params' defaults, vars, imports, loops, string
 * interpolation).
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
import { resolve } from 'node:path';
import { BicepSyntaxError, position, tokenize, type Token } from './bicep-tokens.js';

// ------------------------------------------------------------------------------------------------
// Syntax tree

export interface Span {
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
