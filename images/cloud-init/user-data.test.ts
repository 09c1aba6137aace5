import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DISTROS } from '../distro.ts';
import { InputError } from '../errors.ts';
import { WEB, type Recipe } from '../web.ts';
import { bootConfig, type BootConfig } from './boot-config.ts';
import { buildUserData, serializeUserData, UserDataTooLargeError, USER_DATA_MAX_BYTES, withLaunchIdentity } from './user-data.ts';
import { emitYaml } from './yaml11.ts';

/** What cloud-init sees: PyYAML's safe loader (the one it uses), back as JSON. */
const pyyaml = (text: string): unknown =>
  JSON.parse(
    execFileSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], {
      input: text,
      encoding: 'utf8',
    }),
  );

const HOSTILE = [
  'no',
  'on',
  'off',
  'yes',
  'y',
  'n',
  'NO',
  'TRUE',
  '2024-01-01',
  '12:30:00',
  '0640',
  '0o640',
  '0x1F',
  '1e3',
  '.inf',
  '~',
  'null',
  '',
  ' ',
  '!!python/object/apply:os.system ["id"]',
  '!binary',
  '*ref',
  '&anchor',
  '<<',
  '=',
  '${x}',
  '$(id)',
  '`id`',
  '%{y}',
  '{{ z }}',
  'multi\nline\n',
  'trailing\n\n',
  '\ttab',
  'a: b',
  '- item',
  '? k',
  '# not a comment',
  '---',
  '...',
  '"dq"',
  "'sq'",
  'back\\slash',
  'line\u2028sep',
  'nel\u0085x',
  'bell\u0007',
  'emoji 😀',
  'é',
  'x\r\ny',
];

const recipeWith = (env: Record<string, string>, domains: string[] = []): Recipe => ({ ...WEB, app: { ...WEB.app, env, domains } });
const boot = (recipe: Recipe, distro = DISTROS.debian12): BootConfig =>
  bootConfig({ tierName: 'nano', recipe, distro, imageHash: 'h'.repeat(64) });
const bootOf = (userData: string): BootConfig => {
  const doc = pyyaml(userData) as { write_files: { path: string; content: string }[] };
  return JSON.parse(doc.write_files.find((f) => f.path === '/etc/kiln/boot.json')!.content) as BootConfig;
};

describe('cloud-config YAML for PyYAML (YAML 1.1)', () => {
  it('every hostile string comes back as the same string, as value and as key', () => {
    const doc = { list: HOSTILE, map: Object.fromEntries(HOSTILE.map((v) => [v, v])), on: 'no', y: ['n'] };
    expect(pyyaml(emitYaml(doc))).toEqual(doc);
  });

  it('hostile app env values reach boot.json literally through the rendered user data', () => {
    const env = Object.fromEntries(HOSTILE.map((v, i) => [`APP_V${i}`, v]));
    const text = serializeUserData(buildUserData(boot(recipeWith(env, ['example.com', 'www.example.com']))));
    const back = bootOf(text);
    expect(back.env).toEqual(env);
    expect(back.allowedHosts).toEqual(['example.com', 'www.example.com']);
    // The file content itself is plain ASCII: any later YAML or text tool keeps it intact.
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
  });

  it('permissions is a quoted string, and the booleans are booleans', () => {
    const doc = pyyaml(serializeUserData(buildUserData(boot(WEB)))) as Record<string, unknown>;
    expect(doc).toMatchObject({ locale: 'C.UTF-8', manage_etc_hosts: true, ssh_pwauth: false, disable_root: true });
    expect((doc.write_files as { permissions: unknown }[])[0].permissions).toBe('0640');
  });
});

describe('boot config: names only, never secrets', () => {
  it('the AMI profile names its SSM parameters; the local profile generates', () => {
    expect(boot(WEB, DISTROS.ubuntu2404).secrets).toEqual({
      source: 'ssm',
      parameters: { KILN_SECRET_KEY: '/kiln/nano/app/django-secret-key' },
    });
    expect(boot(WEB, DISTROS.debian12).secrets).toEqual({ source: 'generate' });
    expect(boot(WEB).allowedHosts).toEqual(['*']);
  });

  it('bad env names, kiln-owned names and bad app names are input errors', () => {
    expect(() => boot(recipeWith({ 'bad-name': 'x' }))).toThrow(InputError);
    expect(() => boot(recipeWith({ 'X;rm -rf /': 'x' }))).toThrow(/env names match/);
    expect(() => boot(recipeWith({ KILN_SECRET_KEY: 'baked' }))).toThrow(/set per instance at first boot/);
    expect(() => boot(recipeWith({ A: 'nul\0' }))).toThrow(InputError);
    expect(() => boot({ ...WEB, app: { ...WEB.app, name: 'Robert"); DROP' } })).toThrow(/recipe.app.name/);
  });
});

describe('size limit', () => {
  it('over 16 KB raw is an input error (exit 2) that says what to shorten', () => {
    const big = recipeWith({ BIG: 'x'.repeat(USER_DATA_MAX_BYTES) });
    let err: unknown;
    try {
      serializeUserData(buildUserData(boot(big)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserDataTooLargeError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/16384 bytes.*shorten recipe\.app\.env/);
    expect(serializeUserData(buildUserData(boot(recipeWith({ OK: 'x'.repeat(8000) })))).length).toBeLessThan(USER_DATA_MAX_BYTES);
  });
});

describe('withLaunchIdentity', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOqB1bcVvCy5j1Ti0fJ2zVbTbYjvR3wz1S6m7Dxq0Kx6 kiln-launch';
  it('merges on the object: login user with the key, hostname, every rendered key kept', () => {
    const base = buildUserData(boot(WEB));
    const merged = withLaunchIdentity(base, { sshPublicKey: key, hostname: 'kiln-box-1' });
    const doc = pyyaml(serializeUserData(merged)) as Record<string, unknown>;
    expect(doc).toMatchObject({ hostname: 'kiln-box-1', disable_root: true, ssh_pwauth: false });
    expect(doc.write_files).toEqual((pyyaml(serializeUserData(base)) as Record<string, unknown>).write_files);
    expect(doc.users).toEqual([
      'default',
      { name: 'kiln', shell: '/bin/bash', sudo: 'ALL=(ALL) NOPASSWD:ALL', lock_passwd: true, ssh_authorized_keys: [key] },
    ]);
    expect(base.users).toBeUndefined();
  });
  it('refuses a key or hostname that would smuggle in more lines', () => {
    const base = buildUserData(boot(WEB));
    expect(() => withLaunchIdentity(base, { sshPublicKey: `${key}\nruncmd: [reboot]` })).toThrow(/one OpenSSH public key line/);
    expect(() => withLaunchIdentity(base, { sshPublicKey: key, hostname: 'a b' })).toThrow(/DNS label/);
  });
});

describe('allowed hosts', () => {
  it('domains become Django ALLOWED_HOSTS (leading wildcard as a leading dot); a hostile domain is an input error', () => {
    expect(boot(recipeWith({}, ['example.com', '*.example.org'])).allowedHosts).toEqual(['example.com', '.example.org']);
    expect(() => boot(recipeWith({}, ['a.com,evil.com']))).toThrow(/recipe.app.domains\[0\]/);
    expect(() => boot(recipeWith({}, ['x.com\nruncmd: [id]']))).toThrow(InputError);
  });
});

describe('SSM names the fleet can read', () => {
  it('every parameter in boot.json is under a Resource of the instance role policy (cdktf/policy.ts)', async () => {
    const { instanceSecretsPolicy } = await import('../../cdktf/policy.ts');
    const { secretsPathFor } = await import('./boot-config.ts');
    for (const tier of ['nano', '2xlarge']) {
      const b = bootConfig({ tierName: tier, recipe: WEB, distro: DISTROS.ubuntu2404, imageHash: 'x' });
      const policy = instanceSecretsPolicy({ region: 'us-east-1', accountId: '123456789012', secretsPath: secretsPathFor(tier) });
      const globs = policy.Statement.filter((s) => s.Action.includes('ssm:GetParameter')).flatMap((s) => s.Resource);
      const covered = (arn: string) => globs.some((g) => (g.endsWith('/*') ? arn.startsWith(g.slice(0, -1)) : arn === g));
      const params = b.secrets.source === 'ssm' ? Object.values(b.secrets.parameters) : [];
      expect(params.length).toBeGreaterThan(0);
      for (const p of params) expect(covered(`arn:aws:ssm:us-east-1:123456789012:parameter${p}`), p).toBe(true);
    }
  });
});
