#!/usr/bin/env bash
# Installs everything kiln and its tests need on a Debian 12 machine; safe to run again (does nothing when done).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
say() { printf 'setup: %s\n' "$*" >&2; }

# Debian packages: the real tools that read rendered files, and the local target's parts (qemu, kmod's depmod
# and mkfs.ext4 for --vm, whose guest kernel is fetched from the mirror on first use).
apt_pkgs=(packer nginx-light postgresql pgbouncer redis-server cloud-init openssh-server openssh-client
  systemd systemd-container debootstrap zstd lxcfs iproute2 wrk apache2-utils chromium dbus
  python3-venv python3-jsonschema ca-certificates curl shellcheck
  qemu-system-x86 kmod e2fsprogs)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || { say "need root to install: ${missing[*]}"; exit 2; }
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  # Keep package postinst scripts from starting servers on this host.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  [ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
fi

# npm packages, exactly as locked.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# Python venv for the host-side tools (gunicorn --check-config, the AWS API emulator).
venv="$root/.venv"
req="$root/scripts/requirements-host.txt"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/.kiln-requirements" ; then
  say "creating Python venv at .venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  cp "$req" "$venv/.kiln-requirements"
fi
# checkov (static scan of the synthesized stacks) in its own venv: its pins conflict with moto's.
ck_venv="$root/.venv-checkov"
ck_req="$root/scripts/requirements-checkov.txt"
if [ ! -x "$ck_venv/bin/checkov" ] || ! cmp -s "$ck_req" "$ck_venv/.kiln-requirements" ; then
  say "creating Python venv at .venv-checkov"
  /usr/bin/python3 -m venv "$ck_venv"
  "$ck_venv/bin/pip" install -q --disable-pip-version-check -r "$ck_req" >&2
  cp "$ck_req" "$ck_venv/.kiln-requirements"
fi
say "ready"
