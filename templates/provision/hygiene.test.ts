/**
 * hygiene.sh in a chroot of the real Debian 13 base (the local target's default cached debootstrap root):
 * --verify-only names every planted leftover and fails; the clean run removes them and verifies itself.
 */
import { chmod, copyFile, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBase } from '../../targets/local/base.ts';
import { defaultCacheDir } from '../../targets/local/paths.ts';

let work: string, root: string;
const exists = (p: string) =>
  lstat(join(root, p)).then(
    () => true,
    () => false,
  );
const plant = async (p: string, content = 'x\n') => {
  await mkdir(dirname(join(root, p)), { recursive: true });
  await writeFile(join(root, p), content);
};

/** Runs the script chrooted, with /proc, in a private mount namespace (the mount dies with it). */
const hygiene = (...args: string[]) =>
  execa(
    'unshare',
    [
      '--mount',
      '--fork',
      '--propagation',
      'private',
      '--',
      'bash',
      '-c',
      'mount -t proc proc "$1/proc" && shift && exec chroot "$0" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/bash /kiln-hygiene.sh "$@"',
      root,
      root,
      ...args,
    ],
    { reject: false, all: true },
  );

const PLANTED = [
  '/etc/ssh/ssh_host_ed25519_key',
  '/var/lib/dbus/machine-id',
  '/root/.bash_history',
  '/root/.ssh/authorized_keys',
  '/home/builder/.ssh/authorized_keys',
  '/home/builder/.python_history',
  '/var/lib/postgresql/.psql_history',
  '/etc/kiln/app.env',
  '/etc/pgbouncer/userlist.txt',
  '/etc/ssl/private/ssl-cert-snakeoil.key',
  '/var/log/cloud-init.log',
  '/root/.cache/pip',
];

beforeAll(async () => {
  const base = await ensureBase(defaultCacheDir());
  work = await mkdtemp(join(defaultCacheDir(), '..', 'hygiene-test-'));
  root = join(work, 'root');
  await mkdir(root);
  await execa('tar', ['-C', root, '--numeric-owner', '-I', 'zstd', '-xpf', base.tarball]);
  // The script sits outside the bundle dir it is asked to remove (as the bundle's copy would be gone after the run).
  await copyFile(new URL('./hygiene.sh', import.meta.url), join(root, 'kiln-hygiene.sh'));
  await chmod(join(root, 'kiln-hygiene.sh'), 0o755);
  await plant('/kiln-bundle/provision/profile.env', "KILN_DISTRO='test'\n");
  for (const p of PLANTED) await plant(p);
  await plant('/etc/machine-id', '0123456789abcdef0123456789abcdef\n');
  await plant('/etc/resolv.conf', 'nameserver 10.0.0.2\n');
  await plant('/var/lib/cloud/instances/i-0abc/obj.pkl');
  await plant('/var/lib/cloud/seed/nocloud/meta-data', 'instance-id: keep\n');
  await plant('/var/lib/apt/lists/deb.debian.org_debian_dists_trixie_main_binary-amd64_Packages');
  await plant('/var/log/apt/history.log.1.gz');
  await plant('/var/log/dpkg.log', 'status installed postgresql-15\n');
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('hygiene.sh on a real Debian 13 root', () => {
  it('--verify-only changes nothing, fails, and names every leftover', async () => {
    const r = await hygiene('--verify-only', '/kiln-bundle');
    expect(r.exitCode).toBe(1);
    for (const p of [
      ...PLANTED,
      '/etc/machine-id is not empty',
      '/var/lib/cloud/instances is not empty',
      '/etc/resolv.conf from the build',
      'apt lists',
      '/var/log/dpkg.log is not empty',
      'rotated logs',
      'LEFTOVER: /kiln-bundle',
    ]) {
      expect(r.all).toContain(p);
    }
    expect(await exists('/root/.bash_history')).toBe(true);
  });

  it('the clean run removes them, keeps what must stay, and verifies itself', async () => {
    const r = await hygiene('/kiln-bundle');
    expect(r.all).toMatch(/verified clean/);
    expect(r.exitCode).toBe(0);
    for (const p of PLANTED) expect(await exists(p), p).toBe(false);
    expect(await readFile(join(root, 'etc/machine-id'), 'utf8')).toBe('');
    expect(await exists('/kiln-bundle')).toBe(false);
    expect(await exists('/etc/resolv.conf')).toBe(false);
    expect(await exists('/var/lib/cloud/seed/nocloud/meta-data')).toBe(true);
    expect(await exists('/var/lib/cloud/instances/i-0abc')).toBe(false);
  });

  it('a resolver symlink (systemd-resolved) is part of the OS: kept, and verification passes', async () => {
    await symlink('../run/systemd/resolve/stub-resolv.conf', join(root, 'etc/resolv.conf'));
    const r = await hygiene('--verify-only');
    expect(r.exitCode, r.all).toBe(0);
    expect(await readlink(join(root, 'etc/resolv.conf'))).toBe('../run/systemd/resolve/stub-resolv.conf');
  });
});
