// Every GitHub workflow passes actionlint and zizmor (offline) with no finding; both are pinned in
// scripts/requirements-host.txt, which scripts/setup.sh installs into .venv. zizmor's relaxations, each with
// its reason, are in .github/zizmor.yml.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');
const bin = (name: string) => join(repo, '.venv/bin', name);
const workflowsDir = join(repo, '.github/workflows');
const workflows = readdirSync(workflowsDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(workflowsDir, f));
const scratch = mkdtempSync(join(tmpdir(), 'kiln-workflows-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tool(name: string): string {
  const path = bin(name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/setup.sh (scripts/requirements-host.txt pins it)`);
  return path;
}

/** actionlint's findings as `file:line:col: message [kind]` (shellcheck checks run: scripts when it is on PATH). */
async function actionlint(files: string[]): Promise<string[]> {
  const r = await execa(tool('actionlint'), ['-format', '{{json .}}', ...files], { cwd: repo, reject: false });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`actionlint failed (exit ${r.exitCode}): ${r.stderr}`);
  const found = JSON.parse(r.stdout || '[]') as { filepath: string; line: number; column: number; message: string; kind: string }[];
  return found.map((f) => `${f.filepath}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

/** zizmor's findings (offline: no GitHub token here) as `ident: description at file:line`. */
async function zizmor(files: string[]): Promise<string[]> {
  const r = await execa(
    tool('zizmor'),
    ['--offline', '--no-progress', '--format', 'json', '--config', join(repo, '.github/zizmor.yml'), ...files],
    { cwd: repo, reject: false },
  );
  // 0: nothing found; 10-14: findings by their highest severity; anything else is zizmor failing.
  if (r.exitCode !== 0 && !(r.exitCode! >= 10 && r.exitCode! <= 14)) throw new Error(`zizmor failed (exit ${r.exitCode}): ${r.stderr}`);
  const found = JSON.parse(r.stdout || '[]') as {
    ident: string;
    desc: string;
    locations: {
      symbolic: { key: { Local?: { verbatim_path?: string; given_path?: string } } };
      concrete: { location: { start_point: { row: number } } };
    }[];
  }[];
  return found.map((f) => {
    const at = f.locations[0];
    return `${f.ident}: ${f.desc} at ${at?.symbolic.key.Local?.verbatim_path ?? at?.symbolic.key.Local?.given_path ?? '?'}:${(at?.concrete.location.start_point.row ?? -1) + 1}`;
  });
}

describe('.github/workflows lint', () => {
  it('has workflows to lint', () => {
    expect(workflows.map((f) => f.slice(workflowsDir.length + 1)).sort()).toEqual(expect.arrayContaining(['gate.yml', 'nightly.yml']));
  });

  it.each(workflows.map((f) => [f.slice(repo.length + 1), f]))('actionlint finds nothing in %s', async (_name, file) => {
    expect(await actionlint([file])).toEqual([]);
  });

  it.each(workflows.map((f) => [f.slice(repo.length + 1), f]))('zizmor finds nothing in %s', async (_name, file) => {
    expect(await zizmor([file])).toEqual([]);
  });

  it('both report a workflow that injects a pull request title into a script and checks out its head', async () => {
    const bad = join(scratch, 'bad.yml');
    writeFileSync(
      bad,
      [
        'name: bad',
        'on: pull_request_target',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-24.04',
        '    steps:',
        '      - uses: actions/checkout@v6',
        '        with:',
        '          ref: ${{ github.event.pull_request.head.sha }}',
        '      - run: echo "${{ github.event.pull_request.title }}"',
        '',
      ].join('\n'),
    );
    expect((await actionlint([bad])).join('\n')).toMatch(/github\.event\.pull_request\.title.*potentially untrusted/);
    const z = await zizmor([bad]);
    expect(z.map((f) => f.split(':')[0])).toEqual(expect.arrayContaining(['template-injection', 'dangerous-triggers', 'artipacked']));
    expect(z.join('\n')).toMatch(/bad\.yml:10/);
  });
});
