import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPacker } from '../../pipeline/validate/packer-env.ts';
import { attr, block, list, num, obj, ref, str, type Item } from './ast.ts';
import { escapeHclString, printHcl } from './hcl.ts';

const HOSTILE = [
  '${file("/etc/hostname")}',
  '%{ if true }x%{ endif }',
  '"quote',
  'line\nbreak',
  'back\\slash',
  '$${already}',
  '%%{twice}',
  '$$${x}',
  '{{ .SourceAMI }}',
  'tab\there',
  'bell\u0007',
  'ünï ✓',
  '',
  '$',
  '%',
  '${',
  '%{',
];

describe('escapeHclString', () => {
  it.each([
    ['${x}', '$${x}'],
    ['%{ if }', '%%{ if }'],
    ['"', '\\"'],
    ['\\', '\\\\'],
    ['a\nb', 'a\\nb'],
    ['\u0001', '\\u0001'],
    ['$ {', '$ {'],
  ])('%j -> %j', (input, want) => expect(escapeHclString(input)).toBe(want));
});

describe('printHcl layout (what packer fmt wants)', () => {
  it('aligns runs of single-line attributes; comments, blocks and multi-line values end a run', () => {
    const text = printHcl({
      header: ['h'],
      body: [
        block(
          'b',
          ['l'],
          [
            attr('a', num(1)),
            attr('long_name', str('x')),
            attr('c', num(2), 'why'),
            attr('dd', num(3)),
            attr('m', obj({ k: str('v'), 'k:2': str('w') })),
            attr('eee', list(str('p'), num(1))),
            block('inner', [], [attr('z', ref('var.z'))]),
          ],
        ),
      ],
    });
    expect(text).toBe(
      [
        '# h',
        '',
        'b "l" {',
        '  a         = 1',
        '  long_name = "x"',
        '  # why',
        '  c  = 2',
        '  dd = 3',
        '  m = {',
        '    k     = "v"',
        '    "k:2" = "w"',
        '  }',
        '  eee = ["p", 1]',
        '',
        '  inner {',
        '    z = var.z',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('refuses to build a reference or comment that could smuggle code, or an attribute set twice', () => {
    expect(() => block('b', [], [attr('a', num(1)), attr('a', num(2))])).toThrow(/set twice/);
    expect(() => ref('var.x}${file("/etc/passwd")')).toThrow(/not a plain HCL reference/);
    expect(() => printHcl({ header: ['a\nb = 1'], body: [] })).toThrow(/spans lines/);
  });
});

describe('real packer 1.6.6 reads escaped strings back literally', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-hcl-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const consoleEval = async (file: string, expr: string) => {
    await writeFile(join(dir, 'console.pkr.hcl'), file);
    const r = await runPacker(['console', 'console.pkr.hcl'], dir, join(dir, 'scratch'), 60, `${expr}\n`);
    expect(r.exitCode, r.output).toBe(0);
    return r.output;
  };

  it('every hostile string round-trips unchanged through packer console', async () => {
    const file = printHcl({ header: [], body: [block('locals', [], [attr('v', list(...HOSTILE.map(str)))])] });
    expect(JSON.parse(await consoleEval(file, 'jsonencode(local.v)'))).toEqual(HOSTILE);
    const fmt = await runPacker(['fmt', '-check', 'console.pkr.hcl'], dir, join(dir, 'scratch'));
    expect(fmt.exitCode, fmt.output).toBe(0);
  });

  it('random models print fmt-canonical (packer fmt -check on 40 generated files)', async () => {
    let seed = 42;
    let serial = 0;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const name = () => ['a', 'bb', 'ccc_dd', 'e-f', 'long_attribute_name', 'x1'][rnd(6)] + serial++;
    const scalar = () => [str(HOSTILE[rnd(HOSTILE.length)]), num(rnd(5000)), ref('var.v'), list(str('p'), num(1))][rnd(4)];
    const body = (depth: number): Item[] =>
      Array.from({ length: 1 + rnd(6) }, () => {
        const k = rnd(10);
        if (k < 2 && depth < 3)
          return block(name(), rnd(2) ? [HOSTILE[rnd(HOSTILE.length)]] : [], body(depth + 1), rnd(3) ? undefined : 'why');
        if (k < 4)
          return attr(
            name(),
            obj(Object.fromEntries(Array.from({ length: 1 + rnd(4) }, () => [rnd(2) ? name() : `kiln:${name()}`, scalar()]))),
          );
        return attr(name(), scalar(), rnd(4) ? undefined : 'a reason');
      });
    for (let i = 0; i < 40; i++)
      await writeFile(join(dir, `r${i}.pkr.hcl`), printHcl({ header: ['gen'], body: [block('locals', [], body(0))] }));
    const fmt = await runPacker(['fmt', '-check', '-diff', '.'], dir, join(dir, 'scratch'));
    expect(fmt.exitCode, fmt.output).toBe(0);
  });

  it('the same text spliced unescaped IS evaluated (so the test above can fail)', async () => {
    await writeFile(join(dir, 'canary'), 'evaluated-on-build-host');
    const spliced = `locals {\n  v = "\${file("${join(dir, 'canary')}")}"\n}\n`;
    expect(await consoleEval(spliced, 'local.v')).toBe('evaluated-on-build-host');
  });
});
