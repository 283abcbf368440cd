/**
 * Route templates with the ASP.NET Core semantics the Functions host uses for HTTP triggers:
 * `v1/tasks/{id}`, optional `{id?}`, defaults `{page=1}`, catch-all `{*rest}`, inline constraints
 * `{id:int}` / `{id:guid}` (enforced for the common ones, ignored when unknown), complex segments
 * `{name}.{ext}`. Literals match case-insensitively.
 *
 * Which template wins does not depend on registration order: templates are ranked like ASP.NET's
 * RoutePrecedence.ComputeInbound, segment by segment — literal (1) before constrained parameter or
 * complex segment (2) before plain parameter (3) before constrained catch-all (4) before catch-all
 * (5) — so `v1/tasks/stats` beats `v1/tasks/{id}` even when registered after it.
 */

interface LiteralPart {
  kind: 'literal';
  text: string;
}

interface ParameterPart {
  kind: 'parameter';
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue: string | undefined;
  constraints: Constraint[];
}

type Part = LiteralPart | ParameterPart;

interface Constraint {
  name: string;
  argument: string | undefined;
}

interface Segment {
  parts: Part[];
  /** For complex segments: the anchored, case-insensitive pattern with one group per parameter. */
  pattern?: RegExp;
}

export interface RouteTemplate {
  /** The template as given, without surrounding slashes. */
  text: string;
  segments: Segment[];
  /** One digit per segment, compared as strings of equal length; lower wins. */
  precedence: number[];
}

export type RouteMatch<T> =
  | { kind: 'match'; target: T; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

interface RouteEntry<T> {
  template: RouteTemplate;
  /** Upper-cased; empty means every method (as the host treats an empty `methods` list). */
  methods: string[];
  target: T;
  order: number;
}

export class RouteTable<T> {
  #entries: RouteEntry<T>[] = [];

  /** Throws on a malformed template, naming it. */
  add(template: string, methods: readonly string[] | undefined, target: T): void {
    this.#entries.push({
      template: parseRouteTemplate(template),
      methods: (methods ?? []).map((method) => method.toUpperCase()),
      target,
      order: this.#entries.length,
    });
    this.#entries.sort(compareEntries);
  }

  get size(): number {
    return this.#entries.length;
  }

  /** `path` is relative to the route prefix, still percent-encoded, without the query string. */
  match(method: string, path: string): RouteMatch<T> {
    const segments = splitPath(path);
    const upperMethod = method.toUpperCase();
    const allow = new Set<string>();
    let pathMatched = false;
    for (const entry of this.#entries) {
      const params = matchTemplate(entry.template, segments);
      if (!params) continue;
      if (entry.methods.length === 0 || entry.methods.includes(upperMethod)) {
        return { kind: 'match', target: entry.target, params };
      }
      pathMatched = true;
      for (const allowed of entry.methods) allow.add(allowed);
    }
    return pathMatched ? { kind: 'method-not-allowed', allow: [...allow].sort() } : { kind: 'not-found' };
  }
}

function compareEntries<T>(a: RouteEntry<T>, b: RouteEntry<T>): number {
  const length = Math.max(a.template.precedence.length, b.template.precedence.length);
  for (let i = 0; i < length; i++) {
    // A missing segment counts as 0, like the trailing zeros of ASP.NET's decimal precedence.
    const difference = (a.template.precedence[i] ?? 0) - (b.template.precedence[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.order - b.order;
}

export function parseRouteTemplate(template: string): RouteTemplate {
  const text = template.trim().replace(/^[~/]+|\/+$/g, '');
  const segments = text === '' ? [] : text.split('/').map((segment) => parseSegment(segment, template));
  segments.forEach((segment, index) => {
    const catchAll = segment.parts.some((part) => part.kind === 'parameter' && part.catchAll);
    if (catchAll && index !== segments.length - 1) {
      throw new Error(`Invalid route template '${template}': a catch-all parameter must be the last segment.`);
    }
  });
  return { text, segments, precedence: segments.map(precedenceDigit) };
}

function precedenceDigit(segment: Segment): number {
  const [only, ...rest] = segment.parts;
  if (!only || rest.length > 0) return 2;
  if (only.kind === 'literal') return 1;
  const digit = only.catchAll ? 5 : 3;
  return only.constraints.length > 0 ? digit - 1 : digit;
}

function parseSegment(segment: string, template: string): Segment {
  if (segment === '') throw new Error(`Invalid route template '${template}': empty segment.`);
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i];
    if ((char === '{' || char === '}') && segment[i + 1] === char) {
      literal += char; // `{{` and `}}` escape a brace
      i++;
    } else if (char === '{') {
      const end = findParameterEnd(segment, i + 1);
      if (end < 0) throw new Error(`Invalid route template '${template}': unclosed '{' in '${segment}'.`);
      if (literal) parts.push({ kind: 'literal', text: literal });
      literal = '';
      parts.push(parseParameter(segment.slice(i + 1, end), template));
      i = end;
    } else if (char === '}') {
      throw new Error(`Invalid route template '${template}': unmatched '}' in '${segment}'.`);
    } else {
      literal += char;
    }
  }
  if (literal) parts.push({ kind: 'literal', text: literal });
  if (parts.length > 1) {
    for (let i = 1; i < parts.length; i++) {
      if (parts[i]?.kind === 'parameter' && parts[i - 1]?.kind === 'parameter') {
        throw new Error(`Invalid route template '${template}': two parameters in '${segment}' need a literal between them.`);
      }
    }
    const source = parts
      .map((part) => (part.kind === 'literal' ? escapeRegExp(part.text) : part.optional ? '(.*)' : '(.+)'))
      .join('');
    return { parts, pattern: new RegExp(`^${source}$`, 'is') };
  }
  return { parts };
}

/** Index of the `}` closing a parameter that starts at `start`, skipping `(...)` constraint arguments. */
function findParameterEnd(segment: string, start: number): number {
  let depth = 0;
  for (let i = start; i < segment.length; i++) {
    const char = segment[i];
    if (char === '(') depth++;
    else if (char === ')') depth = Math.max(0, depth - 1);
    else if (char === '}' && depth === 0) {
      if (segment[i + 1] === '}') {
        i++; // `}}` inside a constraint argument
        continue;
      }
      return i;
    }
  }
  return -1;
}

function parseParameter(body: string, template: string): ParameterPart {
  let rest = body.trim();
  let catchAll = false;
  if (rest.startsWith('**')) {
    catchAll = true;
    rest = rest.slice(2);
  } else if (rest.startsWith('*')) {
    catchAll = true;
    rest = rest.slice(1);
  }
  const nameMatch = /^[^:=?]+/.exec(rest);
  if (!nameMatch) throw new Error(`Invalid route template '${template}': parameter '{${body}}' has no name.`);
  const name = nameMatch[0].trim();
  rest = rest.slice(nameMatch[0].length);

  const constraints: Constraint[] = [];
  while (rest.startsWith(':')) {
    const constraintName = /^:([A-Za-z]+)/.exec(rest);
    if (!constraintName?.[1]) throw new Error(`Invalid route template '${template}': bad constraint in '{${body}}'.`);
    rest = rest.slice(constraintName[0].length);
    let argument: string | undefined;
    if (rest.startsWith('(')) {
      const close = findClosingParen(rest);
      if (close < 0) throw new Error(`Invalid route template '${template}': unclosed '(' in '{${body}}'.`);
      argument = rest.slice(1, close).replace(/\{\{/g, '{').replace(/\}\}/g, '}');
      rest = rest.slice(close + 1);
    }
    constraints.push({ name: constraintName[1].toLowerCase(), argument });
  }

  let optional = false;
  let defaultValue: string | undefined;
  if (rest === '?') optional = true;
  else if (rest.startsWith('=')) defaultValue = rest.slice(1);
  else if (rest !== '') throw new Error(`Invalid route template '${template}': cannot parse '{${body}}'.`);
  return { kind: 'parameter', name, optional, catchAll, defaultValue, constraints };
}

function findClosingParen(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits a request path into decoded segments; a trailing slash is ignored, as in ASP.NET. */
export function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return [];
  return trimmed.split('/').map(safeDecode);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Route values for a match, or undefined. */
export function matchTemplate(template: RouteTemplate, path: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const { segments } = template;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as Segment;
    const value = path[i];
    const [only] = segment.parts;

    if (segment.parts.length === 1 && only?.kind === 'parameter' && only.catchAll) {
      const rest = path.slice(i).join('/');
      if (rest !== '') {
        if (!satisfies(only.constraints, rest)) return undefined;
        params[only.name] = rest;
      } else if (only.defaultValue !== undefined) params[only.name] = only.defaultValue;
      return params;
    }

    if (value === undefined) {
      // The path ran out: every remaining segment must be an optional or defaulted parameter.
      for (const remaining of segments.slice(i)) {
        const [part, ...others] = remaining.parts;
        if (!part || others.length > 0 || part.kind !== 'parameter') return undefined;
        if (part.defaultValue !== undefined) params[part.name] = part.defaultValue;
        else if (!part.optional && !part.catchAll) return undefined;
      }
      return params;
    }

    if (segment.pattern) {
      const match = segment.pattern.exec(value);
      if (!match) return undefined;
      let group = 1;
      for (const part of segment.parts) {
        if (part.kind !== 'parameter') continue;
        const captured = match[group++] ?? '';
        if (captured === '') continue;
        if (!satisfies(part.constraints, captured)) return undefined;
        params[part.name] = captured;
      }
    } else if (only?.kind === 'literal') {
      if (only.text.toLowerCase() !== value.toLowerCase()) return undefined;
    } else if (only?.kind === 'parameter') {
      if (value === '' || !satisfies(only.constraints, value)) return undefined;
      params[only.name] = value;
    }
  }
  return path.length > segments.length ? undefined : params;
}

const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i;
const INTEGER = /^[+-]?\d+$/;

function satisfies(constraints: Constraint[], value: string): boolean {
  return constraints.every((constraint) => satisfiesOne(constraint, value));
}

/** The built-in ASP.NET Core route constraints; an unknown one is not enforced. */
function satisfiesOne({ name, argument }: Constraint, value: string): boolean {
  const args = (argument ?? '').split(',').map((arg) => Number(arg.trim()));
  const [first = NaN, second = NaN] = args;
  switch (name) {
    case 'int':
      return INTEGER.test(value) && Math.abs(Number(value)) <= 2 ** 31;
    case 'long':
      return INTEGER.test(value);
    case 'bool':
      return /^(true|false)$/i.test(value);
    case 'guid':
      return GUID.test(value);
    case 'alpha':
      return /^[a-z]+$/i.test(value);
    case 'double':
    case 'float':
    case 'decimal':
      return value.trim() !== '' && Number.isFinite(Number(value));
    case 'datetime':
      return !Number.isNaN(Date.parse(value));
    case 'min':
      return INTEGER.test(value) && Number(value) >= first;
    case 'max':
      return INTEGER.test(value) && Number(value) <= first;
    case 'range':
      return INTEGER.test(value) && Number(value) >= first && Number(value) <= second;
    case 'length':
      return args.length > 1 ? value.length >= first && value.length <= second : value.length === first;
    case 'minlength':
      return value.length >= first;
    case 'maxlength':
      return value.length <= first;
    case 'regex':
      try {
        return new RegExp(argument ?? '', 'i').test(value);
      } catch {
        return false;
      }
    default:
      return true;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
