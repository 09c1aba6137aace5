/** `kiln validate` with the real tools, and a hostile recipe end to end: values stay data, nothing runs, injections are refused. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';

const repo = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kiln-cli-recipe-'));
const marker = join(dir, 'pwned');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kiln = (args: string[]) => execa('bin/kiln', args, { reject: false, cwd: repo });
const recipe = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

// Shell, Go template, HCL/Terraform interpolation and quoting, each where a recipe allows free text.
const HOSTILE_ENV: Record<string, string> = {
  SHELL_SUBST: `$(touch ${marker})`,
  BACKTICK: `\`touch ${marker}\``,
  GO_TMPL: '{{ .Path }}',
  HCL_VAR: '${var.region}',
  HCL_DIRECTIVE: '%{ if true }x%{ endif }',
  QUOTES: `'"\\`,
};

describe('kiln validate and hostile recipes', () => {
  it.concurrent('validate --tier nano passes with the real tools', async () => {
    const r = await kiln(['validate', '--tier', 'nano']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ok {3}nano\/ubuntu2404/);
    expect(r.stderr).toMatch(/ok {3}nano\/debian12/);
  }, 120_000);

  it.concurrent('hostile values render as data, validate exits 0, and nothing is executed', async () => {
    const file = recipe('hostile.json', JSON.stringify({ app: { env: HOSTILE_ENV }, tags: { note: `\${var.region} $(touch ${marker})` } }));
    const out = join(dir, 'out');
    const r = await kiln(['render', '--tier', 'nano', '--recipe', file, '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    // cloud-init user data parses as YAML and carries the values byte for byte.
    const userData = parseYaml(readFileSync(join(out, 'cloud-init/user-data'), 'utf8')) as { write_files: { content: string }[] };
    const app = userData.write_files.map((f) => f.content).find((c) => c.includes('"env"'))!;
    expect(JSON.parse(app).env).toEqual(HOSTILE_ENV);
    expect(JSON.parse(readFileSync(join(out, 'packer/image.pkrvars.json'), 'utf8')).tags.note).toBe(`\${var.region} $(touch ${marker})`);

    const v = await kiln(['validate', '--tier', 'nano', '--distro', 'ubuntu2404', '--recipe', file]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
  }, 120_000);

  it.concurrent.each([
    [
      'newline + YAML injection in an env value',
      { app: { env: { X: `ok\nruncmd: [[touch, ${marker}]]` } } },
      /recipe\.app\.env\.X = .*no control characters/,
      true,
    ],
    [
      'a Go template in a tag (Packer would run it)',
      { tags: { note: '{{ .SourceAMI }}' } },
      /recipe\.tags\.note = "\{\{ \.SourceAMI \}\}"/,
      false,
    ],
    ['an env name with YAML in it', { app: { env: { 'X: 1\nY': 'v' } } }, /= "X: 1\\nY": environment names are A-Z/, false],
    [
      'an app name that is a shell command',
      { app: { name: 'canary; touch /tmp/x' } },
      /recipe\.app\.name = "canary; touch \/tmp\/x"/,
      false,
    ],
  ])(
    '%s: exits 2, nothing written or executed',
    async (_what, doc, msg, alsoValidate) => {
      const file = recipe(`bad-${Math.random().toString(16).slice(2)}.json`, JSON.stringify(doc));
      const out = join(dir, `out-${Math.random().toString(16).slice(2)}`);
      const r = await kiln(['render', '--tier', 'nano', '--recipe', file, '--out', out]);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(out)).toBe(false);
      if (alsoValidate) expect((await kiln(['validate', '--tier', 'nano', '--recipe', file])).exitCode).toBe(2);
      expect(existsSync(marker)).toBe(false);
      expect(readdirSync(dir).filter((n) => n.startsWith('out-'))).toEqual([]);
    },
    60_000,
  );
});

describe('kiln.yaml v2: hostile recipes stop at the parser', () => {
  it.concurrent.each([
    [
      'GUNICORN_CMD_ARGS in env (would rebind gunicorn)',
      'gunicorn.yaml',
      'app:\n  name: mysite\n  source: .\n  settings: mysite.settings\n  env:\n    GUNICORN_CMD_ARGS: "--bind 0.0.0.0:80 --workers 64"\n',
      'recipe.app.env.GUNICORN_CMD_ARGS',
      /read by gunicorn itself and would rebind it/,
    ],
    [
      'a password value in env (would land in user data)',
      'password.yaml',
      'app:\n  env:\n    DB_PASSWORD: hunter2\n',
      'recipe.app.env.DB_PASSWORD',
      /values in env land in user data; list the name under app\.secrets/,
    ],
    // JSON.parse turns the escape into an unpaired surrogate, which no UTF-8 file or request can carry.
    [
      'a lone surrogate in a JSON recipe',
      'surrogate.json',
      '{"app":{"env":{"GREETING":"hi \\ud800"}}}',
      'recipe.app.env.GREETING',
      /unpaired UTF-16 surrogate/,
    ],
  ])(
    '%s: exit 2, one line naming the field, no stack, no output dir',
    async (_what, name, text, field, why) => {
      const file = recipe(name, text);
      const out = join(dir, `v2-out-${name}`);
      const r = await kiln(['render', '--tier', 'nano', '--recipe', file, '--out', out]);
      expect(r.exitCode, r.stderr).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0].startsWith(`kiln: error: ${field} = `), lines[0]).toBe(true);
      expect(lines[0]).toMatch(why);
      expect(r.stderr).not.toMatch(/\n\s+at |Error:|\ufffd/);
      expect(existsSync(out)).toBe(false);
    },
    60_000,
  );
});
