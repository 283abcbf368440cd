/**
 * Files the Bicep templates read at compile time (`loadTextContent`, `loadJsonContent`,
 * `loadYamlContent`, `loadFileAsBase64`): every call found, its path resolved against the file
 * that makes it, the loaded file measured the way the Bicep compiler measures it, and an upper
 * bound on what the loaded content and the templates add up to in the compiled ARM template.
 *
 * The limits are the compiler's own. In the Azure/bicep source (src/Bicep.Core):
 * - LanguageConstants.cs: `MaxLiteralCharacterLimit = 131072` and
 *   `MaxJsonFileCharacterLimit = 1048576` ("1024*1024 characters").
 * - Semantics/Namespaces/SystemNamespaceType.cs: `LoadTextContentResultBuilder` reads at most
 *   `MaxLiteralCharacterLimit` characters; `LoadContentResultBuilder`, shared by `loadJsonContent`
 *   and `loadYamlContent`, at most `MaxJsonFileCharacterLimit` (unlimited only with the
 *   experimental local-deploy feature); `TryLoadTextContentAsBase64` at most
 *   `MaxLiteralCharacterLimit / 4 * 3` = 98,304 bytes ("each base64 character represents 6 bits").
 * - SourceGraph/AuxiliaryFile.cs: `TryReadText` decodes with the requested encoding (UTF-8 unless
 *   the call names another), detects and drops a byte-order mark, and fails only when more than
 *   the limit is left, so exactly the limit is allowed. Its characters are .NET chars (UTF-16 code
 *   units), the unit of a JavaScript string's `length`. `TryReadBytes` fails when the file is
 *   longer than the limit.
 * - Diagnostics/DiagnosticBuilder.cs: the failure is error BCP184, "File '…' exceeded maximum size
 *   of N characters" (or bytes).
 * The documentation agrees ("File functions for Bicep",
 * https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-files): 131,072
 * characters for loadTextContent, 1,048,576 characters for loadJsonContent, 96 Kb for
 * loadFileAsBase64.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { evaluate, scopeOf } from './bicep-evaluate.js';
import { loadBicep, type BicepFile, type Expr, type Statement } from './bicep-reader.js';
import { callSites, positionOf, sourceText, statementsOf } from './bicep-tree.js';
import { BICEP_DIR, REPO_ROOT } from './templates.js';

export const LOAD_FUNCTIONS = ['loadTextContent', 'loadJsonContent', 'loadYamlContent', 'loadFileAsBase64'] as const;
export type LoadFunction = (typeof LOAD_FUNCTIONS)[number];

/** The compiler's limit per function (see the header for where each number comes from). */
export const LOAD_LIMITS: Readonly<Record<LoadFunction, { max: number; unit: 'characters' | 'bytes' }>> = {
  loadTextContent: { max: 131_072, unit: 'characters' },
  loadJsonContent: { max: 1_048_576, unit: 'characters' },
  loadYamlContent: { max: 1_048_576, unit: 'characters' },
  loadFileAsBase64: { max: 98_304, unit: 'bytes' },
};

/** Position of the optional `encoding` argument (loadJsonContent/loadYamlContent take a path filter first). */
const ENCODING_ARGUMENT: Partial<Record<LoadFunction, number>> = { loadTextContent: 1, loadJsonContent: 2, loadYamlContent: 2 };

/** A path for messages: relative to the repository when inside it. */
export function display(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

// ------------------------------------------------------------------------------------------------
// Finding the calls

export interface LoadCall {
  file: BicepFile;
  fn: LoadFunction;
  /** Offset of the function name in the file (what `callSites` reports). */
  offset: number;
  /** The loaded file, resolved against the directory of `file`. */
  path: string;
  encoding: string;
  /** `bicep/modules/apim.bicep:117:12 loadTextContent('../../openapi/caseload.openapi.json')`, for messages. */
  label: string;
  /** The top-level declaration the call is in. */
  statement: Statement;
  /** Inside a `[for ...]` (resource, module, property or variable loop). */
  inLoop: boolean;
}

const isLoadFunction = (name: string): name is LoadFunction => (LOAD_FUNCTIONS as readonly string[]).includes(name);

/**
 * Visits every expression node under `value` (a statement or an expression), telling the visitor
 * whether the node sits inside a `for`. Generic over the node shapes, so a construct added to the
 * parser later is still walked.
 */
function walk(value: unknown, inLoop: boolean, visit: (node: Expr, inLoop: boolean) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, inLoop, visit);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const node = value as { type?: unknown };
  if (typeof node.type === 'string' && 'start' in node) visit(node as Expr, inLoop);
  const loop = inLoop || node.type === 'for';
  for (const child of Object.values(value)) walk(child, loop, visit);
}

/** Every load-function call in a file, `sys.`-qualified or not, including inside string interpolations. */
export function findLoadCalls(file: BicepFile): LoadCall[] {
  const calls: LoadCall[] = [];
  for (const statement of file.statements) {
    walk(statement, false, (node, inLoop) => {
      if (node.type !== 'call') return;
      const { callee } = node;
      let name: string | undefined;
      let offset = callee.start;
      if (callee.type === 'ident') name = callee.name;
      else if (callee.type === 'member' && callee.object.type === 'ident' && callee.object.name === 'sys') {
        name = callee.property;
        offset = callee.end - callee.property.length;
      }
      if (!name || !isLoadFunction(name)) return;
      const label = `${display(file.path)}:${positionOf(file, offset)} ${sourceText(file, node)}`;
      const constant = (arg: Expr | undefined, what: string): string | undefined => {
        if (!arg) return undefined;
        if (arg.type === 'string' && arg.holes.length === 0) return arg.segments[0] ?? '';
        const value = evaluate(arg, scopeOf(file));
        if (typeof value !== 'string') throw new Error(`${label}: the ${what} is not a compile-time constant string, so its file cannot be checked`);
        return value;
      };
      const path = constant(node.args[0], 'path');
      if (path === undefined) throw new Error(`${label}: no path argument`);
      const encodingIndex = ENCODING_ARGUMENT[name];
      const encoding = (encodingIndex !== undefined ? constant(node.args[encodingIndex], 'encoding') : undefined) ?? 'utf-8';
      calls.push({ file, fn: name, offset, path: resolve(dirname(file.path), path), encoding, label, statement, inLoop });
    });
  }
  return calls;
}

/**
 * Calls the tokenizer sees but the syntax walk did not report: should always be empty. A second,
 * independent way of finding the calls, so a parser gap cannot hide a load from the size checks.
 */
export function unwalkedCalls(file: BicepFile, calls: LoadCall[]): string[] {
  const walked = new Set(calls.map((c) => c.offset));
  return callSites(file, LOAD_FUNCTIONS)
    .filter((offset) => !walked.has(offset))
    .map((offset) => `${display(file.path)}:${positionOf(file, offset)}: a ${/\w+/.exec(file.text.slice(offset))?.[0]}( call the syntax walk missed`);
}

/** Every .bicep and .bicepparam file under a directory (default: bicep/), sorted, parsed. */
export function bicepSources(dir = BICEP_DIR): BicepFile[] {
  const paths: string[] = [];
  const walkDir = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walkDir(p);
      else if (/\.(bicep|bicepparam)$/.test(entry.name)) paths.push(p);
    }
  };
  walkDir(dir);
  return paths.map((p) => loadBicep(p));
}

// ------------------------------------------------------------------------------------------------
// Measuring a loaded file as the compiler does

/** Decodes like .NET's StreamReader with byte-order-mark detection on, and drops the mark. */
function decode(bytes: Buffer, encoding: string): string {
  let text: string;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) text = bytes.toString('utf8');
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) text = bytes.toString('utf16le');
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = Buffer.from(bytes).swap16().toString('utf16le');
  else {
    switch (encoding.toLowerCase()) {
      case 'utf-8':
        text = bytes.toString('utf8');
        break;
      case 'utf-16':
        text = bytes.toString('utf16le');
        break;
      case 'utf-16be':
        text = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2))).swap16().toString('utf16le');
        break;
      case 'iso-8859-1':
      case 'us-ascii':
        // One character per byte either way; only the count matters here.
        text = bytes.toString('latin1');
        break;
      default:
        throw new Error(`unknown encoding ${encoding} (Bicep accepts iso-8859-1, us-ascii, utf-16, utf-16BE, utf-8)`);
    }
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

export interface Measurement {
  call: LoadCall;
  exists: boolean;
  /** Characters (text functions) or bytes (loadFileAsBase64), as the limit counts them. */
  size: number;
  unit: 'characters' | 'bytes';
  bytes: Buffer;
  /** Decoded content (text functions only). */
  text?: string;
}

export function measure(call: LoadCall): Measurement {
  const { unit } = LOAD_LIMITS[call.fn];
  if (!existsSync(call.path) || !statSync(call.path).isFile()) return { call, exists: false, size: 0, unit, bytes: Buffer.alloc(0) };
  const bytes = readFileSync(call.path);
  if (call.fn === 'loadFileAsBase64') return { call, exists: true, size: bytes.length, unit, bytes };
  const text = decode(bytes, call.encoding);
  return { call, exists: true, size: text.length, unit, bytes, text };
}

/** Problems with the calls' files: missing, or over the compiler's limit for the function. Empty when all is well. */
export function loadLimitProblems(calls: LoadCall[]): string[] {
  const problems: string[] = [];
  for (const call of calls) {
    const m = measure(call);
    if (!m.exists) {
      problems.push(`${call.label}: ${display(call.path)} does not exist (the path is relative to ${display(dirname(call.file.path))})`);
      continue;
    }
    const { max, unit } = LOAD_LIMITS[call.fn];
    if (m.size > max) {
      const hint = call.fn === 'loadTextContent' && call.path.endsWith('.json') ? '; for JSON, string(loadJsonContent(...)) allows 1,048,576 characters' : '';
      problems.push(
        `${call.label}: ${display(call.path)} is ${m.size.toLocaleString('en-GB')} ${unit}, over ${call.fn}'s compile-time limit of ${max.toLocaleString('en-GB')} ${unit} (Bicep error BCP184)${hint}`,
      );
    }
  }
  return problems;
}

// ------------------------------------------------------------------------------------------------
// Upper bound on the compiled template

/**
 * ARM's limits, from "ARM template best practices" → Template limits, and "Resolve errors for job
 * size exceeded" (https://learn.microsoft.com/azure/azure-resource-manager/templates/error-job-size-exceeded):
 * the template is limited to 4 MB and each resource definition to 1 MB, applying "to the final
 * state of the template after it has been expanded with iterative resource definitions, and values
 * for variables and parameters"; the parameter file is also limited to 4 MB. Taken as decimal
 * megabytes, the smaller reading.
 */
export const ARM_TEMPLATE_LIMIT_BYTES = 4_000_000;
export const ARM_RESOURCE_LIMIT_BYTES = 1_000_000;

/**
 * Compiled JSON per byte of Bicep source. In Azure/bicep's own compiler baselines
 * (src/Bicep.Core.Samples/Files/baselines/<sample>/main.bicep → main.json, 39 samples), main.json
 * is at most about 6.5 times the Bicep source of main.bicep plus its local modules (each counted
 * once per module declaration) for every sample without registry modules; 8 leaves room on top.
 */
export const BICEP_TO_JSON_FACTOR = 8;
/** Fixed cost of embedding a module as a nested deployment (deployment resource, parameters, metadata). */
export const NESTED_DEPLOYMENT_BYTES = 2_048;
/**
 * Indentation depth (in 2-space levels) of loaded JSON in the compiled template: at most 8 in the
 * template itself, plus 4 per module level (resources, the module, properties, template).
 */
const INDENT_LEVELS_BASE = 8;
const INDENT_LEVELS_PER_MODULE = 4;
/** Bytes a line break can take (CRLF). */
const NEWLINE = 2;

/**
 * Bytes of a string as a JSON string literal, pessimistically: quotes, `\"` and `\\`, anything
 * outside printable ASCII and also `< > & '` as `\uXXXX`, and the extra `[` Bicep adds to strings
 * that start with one (so ARM does not read them as expressions).
 */
export function jsonStringBytes(s: string): number {
  let n = 2 + (s.startsWith('[') ? 1 : 0);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) n += 2;
    else if (c >= 0x20 && c < 0x7f && c !== 0x3c && c !== 0x3e && c !== 0x26 && c !== 0x27) n += 1;
    else n += 6;
  }
  return n;
}

/** Bytes of a JSON value written indented (2 spaces a level) starting at `level`, pessimistically. */
export function indentedJsonBytes(value: unknown, level: number): number {
  if (value === null || typeof value === 'boolean') return String(value).length;
  // Bicep has no floats: it writes a non-integer as the expression "[json('1.5')]".
  if (typeof value === 'number') return String(value).length + (Number.isInteger(value) ? 0 : 12);
  if (typeof value === 'string') return jsonStringBytes(value);
  const entries: [string | undefined, unknown][] = Array.isArray(value) ? value.map((v) => [undefined, v]) : Object.entries(value as object);
  if (entries.length === 0) return 2;
  let n = 1 + NEWLINE; // "{" or "[" and a line break
  for (const [key, item] of entries) {
    n += 2 * (level + 1) + (key === undefined ? 0 : jsonStringBytes(key) + 2) + indentedJsonBytes(item, level + 1) + 1 + NEWLINE;
  }
  return n + 2 * level + 1;
}

/** JSON with comments (Bicep's loadJsonContent accepts them): comments removed outside strings. */
function stripJsonComments(text: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out.push(text.slice(start, ++i));
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      out.push(' ');
    } else {
      let end = i + 1;
      while (end < text.length && text[end] !== '"' && text[end] !== '/') end++;
      out.push(text.slice(i, end));
      i = end;
    }
  }
  return out.join('');
}

function parseJson(m: Measurement): unknown {
  const text = m.text ?? '';
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(stripJsonComments(text));
    } catch (error) {
      throw new Error(`${m.call.label}: ${display(m.call.path)} is not JSON the estimate can read (${(error as Error).message})`);
    }
  }
}

/**
 * How many times a load's value appears once ARM has substituted variables: once where a direct
 * property or output uses it; for a `var`, once per use of that var, following vars built from
 * vars. Loops and exported vars are refused (their copies are not modelled), loudly.
 */
function usesOf(file: BicepFile, statement: Statement, label: string): number {
  if (statement.kind === 'func') throw new Error(`${label}: inside func ${statement.name}; its uses are not modelled by the size estimate`);
  if (statement.kind !== 'var') return 1;
  if (statement.decorators.some((d) => d.name === 'export')) {
    throw new Error(`${label}: in exported var ${statement.name}, which other files can import; the size estimate does not follow imports of values`);
  }
  let total = 0;
  for (const other of file.statements) {
    if (other === statement) continue;
    let count = 0;
    let looped = false;
    walk(other, false, (node, inLoop) => {
      if (node.type === 'ident' && node.name === statement.name) {
        count++;
        looped ||= inLoop;
      }
    });
    if (count === 0) continue;
    if (looped) throw new Error(`${label}: var ${statement.name} is used inside a loop; the size estimate does not model loop copies`);
    total += count * usesOf(file, other, label);
  }
  return total;
}

/** What one load adds to the compiled template, and its largest single copy (for the per-resource limit). */
export function loadedBytes(call: LoadCall, moduleDepth: number): { total: number; largestCopy: number } {
  if (call.inLoop) throw new Error(`${call.label}: inside a loop; the size estimate does not model loop copies`);
  const m = measure(call);
  if (!m.exists) throw new Error(`${call.label}: ${display(call.path)} does not exist`);
  // Bicep emits the loaded value once (as a literal or an intermediate "$fxv#n" variable); ARM then
  // substitutes it at every use.
  const uses = Math.max(usesOf(call.file, call.statement, call.label), 0);
  switch (call.fn) {
    case 'loadTextContent': {
      const copy = jsonStringBytes(m.text ?? '');
      return { total: copy * (1 + uses), largestCopy: copy };
    }
    case 'loadFileAsBase64': {
      const copy = 4 * Math.ceil(m.size / 3) + 2;
      return { total: copy * (1 + uses), largestCopy: copy };
    }
    case 'loadJsonContent': {
      const value = parseJson(m);
      const indented = indentedJsonBytes(value, INDENT_LEVELS_BASE + INDENT_LEVELS_PER_MODULE * moduleDepth);
      // A use may be the object itself or string(...) of it: compact JSON inside a JSON string.
      const asString = jsonStringBytes(JSON.stringify(value));
      const copy = Math.max(indented, asString);
      return { total: indented + uses * copy, largestCopy: copy };
    }
    case 'loadYamlContent':
      throw new Error(
        `${call.label}: the compiled size of loadYamlContent is not estimated (no YAML parser among this project's dependencies); extend loadedBytes before relying on it`,
      );
  }
}

export interface SizeEstimate {
  bytes: number;
  parts: { label: string; bytes: number }[];
  /** Loads whose single copy is at or over ARM's per-resource limit. */
  oversizeCopies: string[];
}

/**
 * An upper bound on the compiled size of `entry` (main.bicep): every Bicep file it compiles in
 * (itself, each local module once per module declaration, each imported file once per import)
 * times BICEP_TO_JSON_FACTOR, a fixed cost per nested deployment, every loaded file as it ends up
 * in JSON (escaped, base64-expanded, or re-indented, and once more per use after ARM substitutes
 * variables), and the parameter values from the largest of `parameterFiles`, times the factor.
 * Registry modules, module loops, and non-Bicep modules or imports are refused: they would need
 * more modelling.
 */
export function estimateTemplateBytes(entry: BicepFile, parameterFiles: string[] = []): SizeEstimate {
  const parts = new Map<string, number>();
  const add = (label: string, bytes: number): void => {
    parts.set(label, (parts.get(label) ?? 0) + bytes);
  };
  const oversizeCopies: string[] = [];
  const visit = (file: BicepFile, moduleDepth: number, stack: string[]): void => {
    if (stack.includes(file.path)) throw new Error(`cycle: ${[...stack, file.path].map(display).join(' → ')}`);
    const here = [...stack, file.path];
    add(`${display(file.path)} (Bicep source × ${BICEP_TO_JSON_FACTOR})`, Buffer.byteLength(file.text) * BICEP_TO_JSON_FACTOR);
    for (const call of findLoadCalls(file)) {
      const { total, largestCopy } = loadedBytes(call, moduleDepth);
      add(`${call.label} (loaded)`, total);
      if (largestCopy >= ARM_RESOURCE_LIMIT_BYTES) oversizeCopies.push(`${call.label}: one copy is about ${largestCopy.toLocaleString('en-GB')} bytes, over ARM's 1 MB per resource definition`);
    }
    const local = (ref: string, kind: string): string => {
      if (/^(br|ts)[:/]/.test(ref)) throw new Error(`${display(file.path)}: ${kind} '${ref}' comes from a registry; its size cannot be estimated from this repository`);
      if (!ref.endsWith('.bicep')) throw new Error(`${display(file.path)}: ${kind} '${ref}' is not a Bicep file; the size estimate only follows Bicep files`);
      return resolve(dirname(file.path), ref);
    };
    for (const module of statementsOf(file, 'module')) {
      if (module.value.type === 'for') throw new Error(`${display(file.path)}: module ${module.name} is a loop; the size estimate does not model its copies`);
      add(`nested deployments (${NESTED_DEPLOYMENT_BYTES} bytes each)`, NESTED_DEPLOYMENT_BYTES);
      visit(loadBicep(local(module.path, 'module')), moduleDepth + 1, here);
    }
    for (const imported of statementsOf(file, 'import')) visit(loadBicep(local(imported.from, 'import')), moduleDepth, here);
  };
  visit(entry, 0, []);
  const largestParameters = parameterFiles.reduce((max, path) => Math.max(max, statSync(path).size), 0);
  if (largestParameters > 0) add(`parameter values (largest parameter file × ${BICEP_TO_JSON_FACTOR})`, largestParameters * BICEP_TO_JSON_FACTOR);
  const list = [...parts].map(([label, bytes]) => ({ label, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { bytes: list.reduce((n, p) => n + p.bytes, 0), parts: list, oversizeCopies };
}

/** The estimate as lines, largest first, for a failure message. */
export function describeEstimate(estimate: SizeEstimate): string {
  return [
    `estimated upper bound ${estimate.bytes.toLocaleString('en-GB')} bytes (ARM limit ${ARM_TEMPLATE_LIMIT_BYTES.toLocaleString('en-GB')}):`,
    ...estimate.parts.map((p) => `  ${p.bytes.toLocaleString('en-GB').padStart(11)}  ${p.label}`),
  ].join('\n');
}
