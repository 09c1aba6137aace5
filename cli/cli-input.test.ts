/** Hostile input at the CLI: files that are not small regular files, controls in echoed values, Object.prototype names. Exit 2, one line, no stack. */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES } from '../images/input-file.ts';

const repo = new URL('..', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'kiln-cli-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
// A FIFO read before the fix blocks forever: the timeout turns that into a failure.
const kiln = (args: string[]) => execa('bin/kiln', args, { reject: false, cwd: repo, timeout: 60_000 });
let n = 0;
const scratch = () => {
  const d = join(root, `s${n++}`);
  mkdirSync(d);
  return d;
};

const expectInputError = (r: { exitCode?: number; stderr: string }, field: string) => {
  expect(r.exitCode, r.stderr).toBe(2);
  // One error line, the last (progress lines may come before it), naming the field.
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.filter((l) => l.startsWith('kiln: error: '))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(new RegExp(`^kiln: error: ${field.replace(/[-[\]]/g, '\\$&')} = `));
  expect(r.stderr).not.toMatch(/\n\s+at |TypeError/);
};

/** A host description that parses (existing key file, well-formed host key) and names no image. */
function hostFile(dir: string, extra: Record<string, unknown> = {}): string {
  const k = ssh2.utils.generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'id'), k.private, { mode: 0o600 });
  const file = join(dir, 'host.json');
  writeFileSync(
    file,
    JSON.stringify({ address: '127.0.0.1', port: 1, user: 'kiln', keyPath: join(dir, 'id'), hostKey: k.public, tier: 'nano', ...extra }),
  );
  return file;
}

describe('user-named files: a regular file of at most MAX_INPUT_BYTES, read capped', () => {
  const dir = scratch();
  const fifo = join(dir, 'fifo');
  execSync(`mkfifo ${fifo}`);
  const big = join(dir, 'big.json');
  // Valid JSON past the cap: only the size can refuse it.
  writeFileSync(big, `{"pad": "${' '.repeat(MAX_INPUT_BYTES)}"}`);
  const host = hostFile(scratch());

  it.concurrent.each([
    [
      '--catalog /dev/zero',
      ['render', '--tier', 'nano', '--json', '--catalog', '/dev/zero'],
      '--catalog',
      /a regular file \(this is a character device\)/,
    ],
    [
      '--catalog a directory',
      ['render', '--tier', 'nano', '--json', '--catalog', dir],
      '--catalog',
      /a regular file \(this is a directory\)/,
    ],
    ['--recipe a FIFO', ['render', '--tier', 'nano', '--json', '--recipe', fifo], '--recipe', /a regular file \(this is a FIFO\)/],
    ['--recipe too big', ['render', '--tier', 'nano', '--json', '--recipe', big], '--recipe', /at most 4 MiB/],
    ['--host a directory', ['verify', '--tier', 'nano', '--host', dir], '--host', /a regular file \(this is a directory\)/],
    ['--host a FIFO', ['verify', '--tier', 'nano', '--host', fifo], '--host', /this is a FIFO/],
    ['--baseline a FIFO', ['verify', '--tier', 'nano', '--host', host, '--baseline', fifo], '--baseline', /this is a FIFO/],
    ['--baseline too big', ['verify', '--tier', 'nano', '--host', host, '--baseline', big], '--baseline', /at most 4 MiB/],
    [
      'host.keyPath /dev/zero (in the --host file)',
      ['verify', '--tier', 'nano', '--host', hostFile(scratch(), { keyPath: '/dev/zero', target: 'local' })],
      'host.keyPath',
      /this is a character device/,
    ],
    [
      '--verdict (local) a FIFO',
      ['promote', '--target', 'local', '--state-dir', join(dir, 'state'), '--verdict', fifo],
      '--verdict',
      /this is a FIFO/,
    ],
    [
      '--verdict (aws) /dev/zero',
      ['promote', '--target', 'aws', '--region', 'eu-west-1', '--verdict', '/dev/zero'],
      '--verdict',
      /this is a character device/,
    ],
    [
      '--verdict too big',
      ['promote', '--target', 'local', '--state-dir', join(dir, 'state'), '--verdict', big],
      '--verdict',
      /at most 4 MiB/,
    ],
  ])('%s: exit 2 naming the flag, nothing read past the cap', async (_, args, field, why) => {
    const r = await kiln(args);
    expectInputError(r, field);
    expect(r.stderr).toMatch(why);
  });
});

describe('echoed values: no control reaches the terminal raw', () => {
  // C0 (ESC), DEL, C1 (NEL, CSI), line and paragraph separators, bidi marks, embeddings/overrides and isolates.
  const CONTROLS = ['\u001b', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\u200e', '\u200f', '\u202a', '\u202e', '\u2066', '\u2069'];
  const escapedForm = (c: string) => (c === '\u001b' ? '\\u001b' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

  // Every control in one value (one process per case): each must come out in its escaped form, none raw.
  const ALL = CONTROLS.join('');
  const shownAll = CONTROLS.map(escapedForm).join('');

  it('each in a bad value (InputError, exit 2) is shown escaped', async () => {
    const r = await kiln(['render', '--tier', `nano${ALL}31m`, '--json']);
    expectInputError(r, '--tier');
    expect(r.stderr).toContain(`"nano${shownAll}31m"`);
    expect(r.stderr).not.toMatch(RAW);
  });

  it('each in an --out path a progress line names is shown escaped', async () => {
    const r = await kiln(['render', '--tier', 'nano', '--out', join(scratch(), `out${ALL}`)]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`out${shownAll}`);
    expect(r.stderr).not.toMatch(RAW);
  });

  it('each in a file name a failure names (exit 1) is shown escaped', async () => {
    const dir = scratch();
    const file = join(dir, `verdict${ALL}.json`);
    writeFileSync(file, '{}');
    const r = await kiln(['promote', '--target', 'local', '--state-dir', join(dir, 'state'), '--verdict', file]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain(`verdict${shownAll}.json is not a well-formed, earned pass`);
    expect(r.stderr).not.toMatch(RAW);
  });
});

describe('Object.prototype names are values like any other', () => {
  const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
  const host = (name: string) => hostFile(scratch(), { target: name });

  it.concurrent.each(
    NAMES.flatMap(
      (name) =>
        [
          [name, 'the command', () => [name], 'command'],
          [name, 'render --distro', () => ['render', '--tier', 'nano', '--json', '--distro', name], '--distro'],
          [name, 'validate --distro', () => ['validate', '--tier', 'nano', '--distro', name], '--distro'],
          [name, 'render --tier', () => ['render', '--tier', name, '--json'], '--tier'],
          [name, 'bake --target', () => ['bake', '--target', name, '--tier', 'nano'], '--target'],
          [name, 'bake --distro', () => ['bake', '--target', 'local', '--tier', 'nano', '--distro', name], '--distro'],
          [name, "verify: the host's target", () => ['verify', '--tier', 'nano', '--host', host(name)], 'target'],
        ] as [string, string, () => string[], string][],
    ),
  )('%s as %s: exit 2 naming it, no TypeError', async (_, __, args, field) => {
    expectInputError(await kiln(args()), field);
  });

  it("a catalog tier named constructor (a valid name) has nothing promoted, not Object.prototype's constructor", async () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'cat.yaml'),
      'tiers:\n  - name: constructor\n    ramMiB: 2048\n    vcpus: 2\n    rootVolumeGiB: 8\n    instanceTypes: { x86_64: [t3.small] }\n    slo: { p95Ms: 200, p99Ms: 500, errorRatePct: 0.1, memoryCeilingPct: 85, targetRps: 50 }\n',
    );
    const r = await kiln([
      'promoted',
      '--target',
      'local',
      '--tier',
      'constructor',
      '--catalog',
      join(dir, 'cat.yaml'),
      '--state-dir',
      join(dir, 'state'),
      '--json',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/nothing promoted for constructor on local/);
    expect(JSON.parse(r.stdout)).toBeNull();
  });
});
