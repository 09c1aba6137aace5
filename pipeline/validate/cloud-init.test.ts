import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTROS } from '../../images/distro.ts';
import { render } from '../../images/render.ts';
import { BUILTIN_TIERS } from '../../images/tiers.ts';
import { WEB } from '../../images/web.ts';
import { writeBundle } from '../bundle/write-bundle.ts';
import { checkShell, checkUserData, knownTopLevelKeys, validators } from './cloud-init.ts';
import { validateBundle } from './run.ts';

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-ci-validate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const failures = (fs: { ok: boolean; tool: string; output: string }[]) => fs.filter((f) => !f.ok).map((f) => `${f.tool}: ${f.output}`);

describe('cloud-init + provisioning validators on the real render', () => {
  for (const distro of Object.values(DISTROS)) {
    it(`nano/${distro.id}: cloud-init schema, key check, size, bash -n, shellcheck, python compile all pass`, async () => {
      const rendered = render(nano, WEB, distro);
      const out = await writeBundle(join(dir, distro.id), rendered);
      const findings = await validateBundle(out, rendered, validators);
      expect(failures(findings)).toEqual([]);
      const tools = new Set(findings.map((f) => f.tool));
      for (const t of ['cloud-init schema', 'cloud-config keys', 'user-data size', 'bash -n', 'shellcheck', 'python3 compile'])
        expect(tools).toContain(t);
      expect(
        findings
          .filter((f) => f.tool === 'shellcheck')
          .map((f) => f.file)
          .sort(),
      ).toEqual(['provision/hygiene.sh', 'provision/provision.sh']);
    });
  }
});

describe('broken user data fails with a clear message', () => {
  const good = () => readFile(join(dir, 'debian12/cloud-init/user-data'), 'utf8');
  const check = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return checkUserData(file, `cloud-init/${name}`);
  };

  it('a `runcmds:` typo passes cloud-init schema but fails the top-level key check, naming the key', async () => {
    const f = await check('typo', `${await good()}runcmds:\n  - [echo, hi]\n`);
    expect(f.find((x) => x.tool === 'cloud-init schema')!.ok).toBe(true);
    const keys = f.find((x) => x.tool === 'cloud-config keys')!;
    expect(keys.ok).toBe(false);
    expect(keys.output).toMatch(/unknown top-level key\(s\) "runcmds"/);
  });

  it('an unquoted (integer) file mode fails cloud-init schema, naming permissions', async () => {
    const f = await check('mode', (await good()).replace('permissions: "0640"', 'permissions: 0640'));
    const schema = f.find((x) => x.tool === 'cloud-init schema')!;
    expect(schema.ok).toBe(false);
    expect(schema.output).toMatch(/permissions/);
  });

  it('user data over 16 KB fails the size check with the byte count', async () => {
    const f = await check('big', `${await good()}final_message: "${'x'.repeat(17_000)}"\n`);
    const size = f.find((x) => x.tool === 'user-data size')!;
    expect(size.ok).toBe(false);
    expect(size.output).toMatch(/^\d{5} bytes \(EC2 limit 16384 bytes/);
  });

  it('the known keys come from the installed schema', async () => {
    const keys = await knownTopLevelKeys();
    for (const k of ['write_files', 'runcmd', 'users', 'locale', 'manage_etc_hosts', 'ssh_pwauth', 'disable_root'])
      expect(keys).toContain(k);
    expect(keys).not.toContain('runcmds');
  });
});

describe('broken shell fails bash -n or shellcheck', () => {
  it('syntax error and unquoted expansion are both caught', async () => {
    const bad = join(dir, 'bad.sh');
    await writeFile(bad, '#!/bin/bash\nif true; then echo x\n');
    expect(failures(await checkShell(bad, 'bad.sh')).join('\n')).toMatch(/bash -n: .*syntax error/);
    await writeFile(bad, '#!/bin/bash\nset -eu\nrm -rf $1/tmp\n');
    const lint = (await checkShell(bad, 'bad.sh')).find((f) => f.tool === 'shellcheck')!;
    expect(lint.ok).toBe(false);
    expect(lint.output).toMatch(/SC2086/);
  });
});
