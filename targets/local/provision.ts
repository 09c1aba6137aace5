/** Applies the rendered provisioning inside the root, in a throwaway mount + PID namespace. */
import { run } from './exec.ts';

/*
 * The namespace makes cleanup unconditional: when its PID 1 exits (or is killed) every process the
 * package scripts left behind dies and every mount (proc, sys, dev, dev/pts) disappears with it.
 */
const SCRIPT = String.raw`
R="$1"; DISTRO="$2"
mount -t proc proc "$R/proc"
mount -t sysfs -o ro sysfs "$R/sys"
mount --bind /dev "$R/dev"
mount --bind /dev/pts "$R/dev/pts"
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod 0755 "$R/usr/sbin/policy-rc.d"
in_root() {
  chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive KILN_DISTRO="$DISTRO" /bin/bash "$@"
}
echo "== provision.sh"; in_root /tmp/kiln/provision/provision.sh /tmp/kiln
echo "== hygiene.sh"; in_root /tmp/kiln/provision/hygiene.sh /tmp/kiln
rm -f "$R/usr/sbin/policy-rc.d" "$R/etc/resolv.conf"
rm -rf "$R/tmp/kiln"
umount "$R/dev/pts" "$R/dev" "$R/sys" "$R/proc"
echo "== provisioned"
`;

/** Runs provision.sh then hygiene.sh (bundle already copied to ROOT/tmp/kiln); output goes to logPath. */
export async function provisionRoot(root: string, distro: string, logPath: string): Promise<void> {
  await run('unshare', ['--mount', '--pid', '--fork', '--propagation', 'private', '--',
    'bash', '-euo', 'pipefail', '-c', SCRIPT, 'provision', root, distro],
  { stdout: { file: logPath, append: true }, stderr: { file: logPath, append: true }, stdin: 'ignore' });
}
