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

# A Python venv at DIR with exactly the pins of REQ (remade when REQ changes); PROBE is a program it must hold.
ensure_venv() {
  local dir="$root/$1" req="$root/$2" probe="$3"
  if [ ! -x "$dir/bin/$probe" ] || ! cmp -s "$req" "$dir/.kiln-requirements" ; then
    say "creating Python venv at $1"
    /usr/bin/python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
    cp "$req" "$dir/.kiln-requirements"
  fi
}
# The host-side tools (gunicorn --check-config, the AWS API emulator, the workflow linters).
ensure_venv .venv scripts/requirements-host.txt python
# checkov (static scan of the synthesized stacks) in its own venv: its pins conflict with moto's.
ensure_venv .venv-checkov scripts/requirements-checkov.txt checkov
say "ready"
