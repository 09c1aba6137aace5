/** Applies the rendered provisioning inside the root, in a throwaway mount + PID namespace. */
import { copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runIsolated } from './exec.ts';

/*
 * The namespace makes cleanup unconditional: when its PID 1 exits (or is killed) every process the
 * package scripts left behind dies and every mount (proc, sys, dev, dev/pts) disappears with it.
 */
const SCRIPT = String.raw`
R="$1"; DISTRO="$2"; LAYER="$3"; shift 3
mount -t proc proc "$R/proc"
mount -t sysfs -o ro sysfs "$R/sys"
mount --bind /dev "$R/dev"
mount --bind /dev/pts "$R/dev/pts"
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod 0755 "$R/usr/sbin/policy-rc.d"
in_root() {
  chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive KILN_DISTRO="$DISTRO" KILN_LAYER="$LAYER" "$@"
}
echo "== provision.sh"; in_root "$@" /bin/bash /tmp/kiln/provision/provision.sh /tmp/kiln
echo "== hygiene.sh"; in_root "$@" /bin/bash /tmp/kiln/provision/hygiene.sh /tmp/kiln
rm -f "$R/usr/sbin/policy-rc.d" "$R/etc/resolv.conf" "$R$BUILD_CA"
rm -rf "$R/tmp/kiln"
umount "$R/dev/pts" "$R/dev" "$R/sys" "$R/proc"
echo "== provisioned"
`;

/** Where the build host's CA bundle is placed during provisioning only (hygiene checks it is gone). */
export const BUILD_CA_PATH = '/run/kiln-build-ca.crt';

/** Network settings of the build host the provisioning needs (proxies, package indexes): build-time only. */
const PASSED_ENV = [
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'PIP_INDEX_URL',
  'PIP_EXTRA_INDEX_URL',
  'PIP_DEFAULT_TIMEOUT',
];

/**
 * Runs provision.sh then hygiene.sh (bundle already copied to ROOT/tmp/kiln); output goes to logPath. `app`: a
 * release layer on a provisioned base (no package installs).
 * The build host's CA bundle is lent to pip/curl inside (egress may be TLS-intercepted) and removed after.
 */
export async function provisionRoot(root: string, distro: string, logPath: string, layer: 'full' | 'app' = 'full'): Promise<void> {
  const env = PASSED_ENV.filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`);
  const hostCa = process.env.SSL_CERT_FILE ?? '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(hostCa)) {
    await copyFile(hostCa, join(root, BUILD_CA_PATH));
    env.push(...['PIP_CERT', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'].map((k) => `${k}=${BUILD_CA_PATH}`));
  }
  await runIsolated(SCRIPT, [root, distro, layer, ...env], {
    env: { BUILD_CA: BUILD_CA_PATH },
    stdout: { file: logPath, append: true },
    stderr: { file: logPath, append: true },
    stdin: 'ignore',
  });
}
