import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBicep, type BicepFile } from './bicep-reader.js';
import {
  ARM_TEMPLATE_LIMIT_BYTES,
  bicepSources,
  describeEstimate,
  display,
  estimateTemplateBytes,
  findLoadCalls,
  LOAD_LIMITS,
  loadLimitProblems,
  unwalkedCalls,
} from './file-loads.js';
import { BICEP_DIR, mainFile, paramFiles, REPO_ROOT } from './templates.js';

/**
 * Bicep reads these files when it compiles, and refuses (error BCP184) a file over the limit of
 * the function that loads it; ARM then refuses a compiled template over 4 MB. Both are checked
 * here, at test time, so a generated file that grows (openapi/caseload.openapi.json) fails the
 * build with the file and the call to change, not the deployment.
 */
describe('files loaded at compile time', () => {
  const sources = () => bicepSources();
  const calls = () => sources().flatMap(findLoadCalls);

  it('every .bicep and .bicepparam file is read, and the tokenizer finds no load call the syntax walk missed', () => {
    const files = sources().map((f) => display(f.path));
    expect(files).toContain('bicep/main.bicep');
    expect(files.some((f) => f.endsWith('.bicepparam')), 'the .bicepparam files are included').toBe(true);
    expect(sources().flatMap((f) => unwalkedCalls(f, findLoadCalls(f)))).toEqual([]);
    // The templates do load files (the API policy, the workbook, the OpenAPI document): a reader
    // that found none would make the next test pass for nothing.
    expect(calls().map((c) => `${c.fn} ${display(c.path)}`)).toContain('loadJsonContent openapi/caseload.openapi.json');
  });

  it("every loaded file exists and is within the compiler's limit for the function that loads it", () => {
    expect(calls().length).toBeGreaterThan(0);
    expect(loadLimitProblems(calls()), 'files Bicep would refuse to load').toEqual([]);
  });

  it("the compiled template stays under ARM's 4 MB template limit (estimated upper bound)", () => {
    // No Bicep CLI here, so the compiled size is bounded from above instead: every Bicep file
    // main.bicep compiles in, times a factor larger than Bicep's own baselines show, plus every
    // loaded file as it lands in JSON (escaped, base64-expanded or re-indented, and once more per
    // use after ARM substitutes variables), plus the largest parameter file. See
    // estimateTemplateBytes for the assumptions; it refuses, loudly, anything it does not model.
    const parameterFiles = [...paramFiles().map((f) => f.path), join(BICEP_DIR, 'main.parameters.json')];
    const estimate = estimateTemplateBytes(mainFile(), parameterFiles);
    expect(estimate.oversizeCopies, 'loaded content that alone exceeds ARM\'s 1 MB per resource definition').toEqual([]);
    expect(estimate.bytes, describeEstimate(estimate)).toBeLessThan(ARM_TEMPLATE_LIMIT_BYTES);
  });

  it("each .bicepparam file stays under ARM's 4 MB parameter-file limit (estimated upper bound)", () => {
    for (const file of paramFiles()) {
      const estimate = estimateTemplateBytes(file);
      expect(estimate.bytes, `${display(file.path)}\n${describeEstimate(estimate)}`).toBeLessThan(ARM_TEMPLATE_LIMIT_BYTES);
    }
  });
});

/** The checker must flag what the compiler would reject: synthetic templates and files in a temporary directory. */
describe('file-load checker self-tests', () => {
  let root: string;
  const write = (rel: string, content: string | Buffer): string => {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  };
  const bicep = (rel: string, text: string): BicepFile => loadBicep(write(rel, text));

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'caseload-file-loads-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('loadTextContent counts characters (not bytes), allows exactly 131,072, ignores a byte-order mark, flags 131,073 with the file and the call', () => {
    expect(LOAD_LIMITS.loadTextContent.max).toBe(131_072);
    write('data/exact.txt', '€'.repeat(131_072)); // 393,216 bytes in UTF-8, 131,072 characters
    write('data/bom.txt', `\uFEFF${'a'.repeat(131_072)}`);
    write('data/over.txt', 'a'.repeat(131_073));
    const file = bicep(
      'text/modules/m.bicep',
      "var exact = loadTextContent('../../data/exact.txt')\nvar bom = loadTextContent('../../data/bom.txt')\nvar over = sys.loadTextContent('../../data/over.txt')\n",
    );
    const problems = loadLimitProblems(findLoadCalls(file));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/text\/modules\/m\.bicep:3:\d+ sys\.loadTextContent\('\.\.\/\.\.\/data\/over\.txt'\): .*over\.txt is 131,073 characters, over loadTextContent's compile-time limit of 131,072 characters/);
  });

  it('loadFileAsBase64 counts bytes: 98,304 allowed, 98,305 flagged', () => {
    expect(LOAD_LIMITS.loadFileAsBase64.max).toBe(98_304);
    write('data/b64-exact.bin', Buffer.alloc(98_304, 1));
    write('data/b64-over.bin', Buffer.alloc(98_305, 1));
    const file = bicep('b64/main.bicep', "var ok = loadFileAsBase64('../data/b64-exact.bin')\nvar tooBig = loadFileAsBase64('../data/b64-over.bin')\n");
    const problems = loadLimitProblems(findLoadCalls(file));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/b64-over\.bin is 98,305 bytes, over loadFileAsBase64's compile-time limit of 98,304 bytes/);
  });

  it('loadJsonContent and loadYamlContent allow 1,048,576 characters and flag more; loadTextContent of the same JSON is flagged with a hint', () => {
    write('data/json-exact.json', `"${'a'.repeat(1_048_574)}"`);
    write('data/json-over.json', `"${'a'.repeat(1_048_575)}"`);
    write('data/yaml-over.yaml', `a: ${'b'.repeat(1_048_574)}`);
    const file = bicep(
      'json/main.bicep',
      [
        "var ok = loadJsonContent('../data/json-exact.json')",
        "var json = loadJsonContent('../data/json-over.json', '$', 'utf-8')",
        "var yaml = loadYamlContent('../data/yaml-over.yaml')",
        "var asText = string(loadTextContent('../data/json-exact.json'))",
      ].join('\n'),
    );
    const problems = loadLimitProblems(findLoadCalls(file));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/json-over\.json is 1,048,577 characters, over loadJsonContent's compile-time limit of 1,048,576/);
    expect(problems[1]).toMatch(/yaml-over\.yaml is 1,048,577 characters, over loadYamlContent's/);
    expect(problems[2]).toMatch(/json-exact\.json is 1,048,576 characters, over loadTextContent's compile-time limit of 131,072 characters .*string\(loadJsonContent/);
  });

  it('a missing file is flagged, its path resolved against the file that loads it', () => {
    const file = bicep('missing/modules/m.bicep', "var policy = loadTextContent('policies/none.xml')\n");
    const problems = loadLimitProblems(findLoadCalls(file));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${join(root, 'missing/modules/policies/none.xml')} does not exist`);
  });

  it('finds calls inside string interpolations and sys.-qualified calls, not those in comments; the tokenizer cross-check can fail', () => {
    const file = bicep(
      'lexical/main.bicep',
      [
        "// loadTextContent('../data/commented.txt') is only a comment",
        "var a = 'x${loadTextContent('../data/exact.txt')}y' /* loadFileAsBase64('no.bin') */",
        "var b = sys.loadFileAsBase64('../data/b64-exact.bin')",
      ].join('\n'),
    );
    const found = findLoadCalls(file);
    expect(found.map((c) => c.fn)).toEqual(['loadTextContent', 'loadFileAsBase64']);
    expect(unwalkedCalls(file, found)).toEqual([]);
    // Had the walk missed them, the tokenizer would say so, by position.
    expect(unwalkedCalls(file, [])).toEqual([
      expect.stringMatching(/lexical\/main\.bicep:2:\d+: a loadTextContent\( call the syntax walk missed/),
      expect.stringMatching(/lexical\/main\.bicep:3:\d+: a loadFileAsBase64\( call the syntax walk missed/),
    ]);
  });

  it('the template estimate flags a template over 4 MB (a module declared twice, each loading a 1 MB JSON file) and passes a small one', () => {
    write('big/data/big.json', `{"text": "${'a'.repeat(1_000_000)}"}`);
    bicep('big/modules/api.bicep', "output document string = string(loadJsonContent('../data/big.json'))\n");
    const main = bicep('big/main.bicep', "module one 'modules/api.bicep' = {\n  name: 'one'\n}\nmodule two 'modules/api.bicep' = {\n  name: 'two'\n}\n");
    const estimate = estimateTemplateBytes(main);
    expect(estimate.bytes).toBeGreaterThan(ARM_TEMPLATE_LIMIT_BYTES);
    expect(describeEstimate(estimate)).toMatch(/big\/modules\/api\.bicep:1:\d+ loadJsonContent\('\.\.\/data\/big\.json'\) \(loaded\)/);
    expect(estimate.oversizeCopies, 'one copy of the document is over 1 MB').toHaveLength(2);

    const small = bicep('small/main.bicep', "var policy = loadTextContent('../data/exact.txt')\noutput policy string = policy\n");
    expect(estimateTemplateBytes(small).bytes).toBeLessThan(ARM_TEMPLATE_LIMIT_BYTES);
  });

  it('the template estimate counts a loaded value once more per use of the var holding it', () => {
    write('uses/data/a.txt', 'x'.repeat(1000));
    const once = bicep('uses/once.bicep', "var a = loadTextContent('data/a.txt')\noutput one string = a\n");
    const thrice = bicep('uses/thrice.bicep', "var a = loadTextContent('data/a.txt')\nvar b = '${a}!'\noutput one string = a\noutput two string = b\noutput three string = b\n");
    const loaded = (file: BicepFile) => estimateTemplateBytes(file).parts.find((p) => p.label.endsWith('(loaded)'))!.bytes;
    expect(loaded(once)).toBe(2 * 1002);
    expect(loaded(thrice)).toBe(4 * 1002);
  });

  it('the template estimate refuses, loudly, what it does not model: loops, registry modules, YAML', () => {
    write('refuse/data/a.txt', 'a');
    write('refuse/data/a.yaml', 'a: 1');
    const loopModule = bicep('refuse/loop-module.bicep', "module m 'modules/none.bicep' = [for i in range(0, 2): {\n  name: 'm${i}'\n}]\n");
    expect(() => estimateTemplateBytes(loopModule)).toThrow(/module m is a loop/);
    const loopUse = bicep('refuse/loop-use.bicep', "var a = loadTextContent('data/a.txt')\nvar list = [for i in range(0, 3): a]\n");
    expect(() => estimateTemplateBytes(loopUse)).toThrow(/var a is used inside a loop/);
    const registry = bicep('refuse/registry.bicep', "module m 'br/public:avm/res/storage/storage-account:0.1.0' = {\n  name: 'm'\n}\n");
    expect(() => estimateTemplateBytes(registry)).toThrow(/comes from a registry/);
    const yaml = bicep('refuse/yaml.bicep', "var a = loadYamlContent('data/a.yaml')\noutput a object = a\n");
    expect(() => estimateTemplateBytes(yaml)).toThrow(/loadYamlContent is not estimated/);
  });

  it('the checks read the repository: the self-test files are outside it', () => {
    expect(root.startsWith(REPO_ROOT)).toBe(false);
    expect(readdirSync(root).length).toBeGreaterThan(0);
  });
});
