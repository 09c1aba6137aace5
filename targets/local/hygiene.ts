/** Golden-image hygiene, verified on the baked root: what must not travel from the build into every box. */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_CA_PATH } from './provision.ts';

const present = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );
const list = (p: string) => readdir(p).catch(() => [] as string[]);

/** Each entry says what is wrong; an empty list means the root is clean. */
export async function hygieneViolations(root: string): Promise<string[]> {
  const bad: string[] = [];
  const machineId = await readFile(join(root, 'etc/machine-id'), 'utf8').catch(() => undefined);
  if (machineId === undefined) bad.push('/etc/machine-id is missing (must exist and be empty, so systemd treats boot as first boot)');
  else if (machineId.trim() !== '' && machineId.trim() !== 'uninitialized') bad.push('/etc/machine-id is not empty');
  const dbusId = join(root, 'var/lib/dbus/machine-id');
  // A symlink to /etc/machine-id is Debian's own layout and shares nothing; a copied file would.
  if (await present(dbusId)) {
    const target = await readlink(dbusId).catch(() => '');
    if (target !== '/etc/machine-id') bad.push('/var/lib/dbus/machine-id exists (every box would share it)');
  }
  for (const f of await list(join(root, 'etc/ssh'))) {
    if (f.startsWith('ssh_host_')) bad.push(`/etc/ssh/${f} exists (every box would share the host key)`);
  }
  for (const sub of ['instance', 'instances', 'data', 'sem', 'handlers', 'scripts/per-instance']) {
    const p = join(root, 'var/lib/cloud', sub);
    if (sub === 'instance' ? await present(p) : (await list(p)).length > 0) bad.push(`/var/lib/cloud/${sub} holds cloud-init state`);
  }
  for (const f of await list(join(root, 'var/log'))) {
    if (f.startsWith('cloud-init')) bad.push(`/var/log/${f} exists (cloud-init log from the build)`);
  }
  const homes = ['root', ...(await list(join(root, 'home'))).map((h) => `home/${h}`)];
  for (const h of homes) {
    for (const f of ['.bash_history', '.python_history', '.lesshst', '.viminfo']) {
      if (await present(join(root, h, f))) bad.push(`/${h}/${f} exists (shell history from the build)`);
    }
    if (await present(join(root, h, '.ssh/authorized_keys'))) bad.push(`/${h}/.ssh/authorized_keys exists`);
  }
  if (await present(join(root, 'etc/resolv.conf'))) bad.push('/etc/resolv.conf from the build is still there');
  if (await present(join(root, 'usr/sbin/policy-rc.d'))) bad.push('/usr/sbin/policy-rc.d still blocks services');
  if (await present(join(root, 'tmp/kiln'))) bad.push('/tmp/kiln (the bundle) is still in the image');
  if (await present(join(root, BUILD_CA_PATH))) bad.push(`${BUILD_CA_PATH} (the build host's CA bundle) is still in the image`);
  return bad;
}
