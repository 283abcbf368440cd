/**
 * The Bicep tokenizer (see bicep-reader.ts): identifiers, strings with the offsets of their
 * `${...}` interpolations, numbers, punctuation and newlines, which end statements in Bicep.
 */

type TokenKind = 'ident' | 'string' | 'number' | 'punct' | 'newline' | 'eof';

export interface Token {
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

/** `line:column` (1-based) of an offset in a text. */
export function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

/** The tokens of `text` between `from` and `to` (comments and whitespace other than newlines dropped). */
export function tokenize(text: string, file: string, from = 0, to = text.length): Token[] {
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
