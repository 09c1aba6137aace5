/** Hygiene verification on a real directory tree: what it must catch, and a clean root passing. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hygieneViolations } from './hygiene.ts';
import { REPO_ROOT } from './paths.ts';

let root = '';
const put = async (rel: string, body = 'x') => {
  await mkdir(join(root, rel, '..'), { recursive: true });
  await writeFile(join(root, rel), body);
};

describe('hygiene verification', () => {
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it('passes a clean root (empty machine-id, dbus id as a symlink to it)', async () => {
    await mkdir(join(REPO_ROOT, '.kiln'), { recursive: true });
    root = await mkdtemp(join(REPO_ROOT, '.kiln/hygiene-'));
    await put('etc/machine-id', '');
    await mkdir(join(root, 'var/lib/dbus'), { recursive: true });
    await symlink('/etc/machine-id', join(root, 'var/lib/dbus/machine-id'));
    await mkdir(join(root, 'var/lib/cloud/seed'), { recursive: true });
    expect(await hygieneViolations(root)).toEqual([]);
  });

  it('names every kind of build identity left behind', async () => {
    root = await mkdtemp(join(REPO_ROOT, '.kiln/hygiene-'));
    await put('etc/machine-id', '0123456789abcdef0123456789abcdef\n');
    await put('var/lib/dbus/machine-id', '0123456789abcdef0123456789abcdef\n');
    await put('etc/ssh/ssh_host_ed25519_key');
    await put('var/lib/cloud/instances/i-1/x');
    await put('var/log/cloud-init.log');
    await put('root/.bash_history');
    await put('home/admin/.ssh/authorized_keys');
    await put('etc/resolv.conf');
    await put('usr/sbin/policy-rc.d');
    const text = (await hygieneViolations(root)).join('\n');
    for (const re of [
      /machine-id is not empty/,
      /dbus\/machine-id exists/,
      /ssh_host_ed25519_key/,
      /cloud\/instances/,
      /cloud-init\.log/,
      /root\/\.bash_history/,
      /home\/admin\/\.ssh\/authorized_keys/,
      /resolv\.conf/,
      /policy-rc\.d/,
    ]) {
      expect(text).toMatch(re);
    }
  });
});
