/** A minimal render bundle for tests until/unless the real renderer's bundle is used: nginx-light only. */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const PROVISION = `#!/bin/bash
# Minimal stand-in for the rendered provision.sh: one Debian server, the bundle's rootfs, units enabled.
set -euo pipefail
bundle="$1"
apt-get update -qq
apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
cp -a "$bundle/rootfs/." /
systemctl enable nginx.service
`;

const HYGIENE = `#!/bin/bash
# Golden-image hygiene: nothing from the build machine may be shared by every box.
set -euo pipefail
truncate -s 0 /etc/machine-id
rm -f /var/lib/dbus/machine-id /etc/ssh/ssh_host_*
cloud-init clean --logs
rm -f /root/.bash_history
apt-get clean
rm -rf /var/lib/apt/lists/*
`;

const USER_DATA = `#cloud-config
locale: C.UTF-8
manage_etc_hosts: true
write_files:
  - path: /etc/kiln-fixture
    content: "fixture ${'${marker}'}\\n"
runcmd:
  - [sh, -c, "echo ran > /var/lib/kiln-runcmd"]
`;

/** Writes the bundle; `marker` changes the content (and so the image ref). */
export async function writeFixtureBundle(dir: string, marker = 'v1'): Promise<string> {
  await mkdir(join(dir, 'provision'), { recursive: true });
  await mkdir(join(dir, 'cloud-init'), { recursive: true });
  await mkdir(join(dir, 'rootfs/var/www/html'), { recursive: true });
  await writeFile(join(dir, 'provision/provision.sh'), PROVISION);
  await writeFile(join(dir, 'provision/hygiene.sh'), HYGIENE);
  await chmod(join(dir, 'provision/provision.sh'), 0o755);
  await chmod(join(dir, 'provision/hygiene.sh'), 0o755);
  await writeFile(join(dir, 'cloud-init/user-data'), USER_DATA.replace('${marker}', marker));
  await writeFile(join(dir, 'rootfs/var/www/html/index.html'), `kiln fixture ${marker}\n`);
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify({ tier: 'fixture', marker, files: [] }, null, 2)}\n`);
  return dir;
}
