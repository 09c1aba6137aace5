#!/bin/bash
# kiln provisioning: turns a stock Ubuntu 24.04 / Debian 12 root into the stack's image.
# Usage: provision.sh BUNDLE_DIR   (a `kiln render` bundle: rootfs/, provision/profile.env)
# Runs as root under Packer (a real VM) or in a chroot (services blocked by policy-rc.d).
# Everything that differs between releases comes from profile.env (data), never from `if distro`.
set -euo pipefail
shopt -s nullglob

say() { printf '== kiln provision: %s\n' "$*" >&2; }
die() { printf 'kiln provision: FAILED: %s\n' "$*" >&2; exit 1; }
trap 'die "line $LINENO: \`$BASH_COMMAND\` exited $?"' ERR

bundle="${1:-}"
if [ -z "$bundle" ] || [ ! -d "$bundle/rootfs" ]; then die "usage: provision.sh BUNDLE_DIR (a render bundle with rootfs/)"; fi
bundle="$(cd "$bundle" && pwd)"
[ "$(id -u)" = 0 ] || die "must run as root"
[ -f "$bundle/provision/profile.env" ] || die "$bundle/provision/profile.env is missing"
# shellcheck source=/dev/null
. "$bundle/provision/profile.env"
: "${KILN_DISTRO:?}" "${KILN_PACKAGES:?}" "${KILN_PACKAGE_UNITS:?}" "${KILN_PG_BIN_DIR:?}" "${KILN_PYTHON:?}"
: "${KILN_APP_USER:?}" "${KILN_APP_DIR:?}" "${KILN_VENV:?}" "${KILN_GROUP_FILES?}" "${KILN_STATE_DIRS:?}"
started=$SECONDS
read -ra packages <<<"$KILN_PACKAGES"
read -ra package_units <<<"$KILN_PACKAGE_UNITS"
read -ra group_files <<<"$KILN_GROUP_FILES"
read -ra state_dirs <<<"$KILN_STATE_DIRS"

# needrestart (Ubuntu) must list, not prompt or restart services mid-build.
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l LC_ALL=C.UTF-8
# Under Packer, apt may still race cloud-init or unattended-upgrades: wait for the lock instead of failing.
apt_get() { apt-get -q -y -o DPkg::Lock::Timeout=300 "$@"; }

say "packages for $KILN_DISTRO: ${packages[*]}"
apt_get update
# Keep the distro's conffiles at install: kiln's own files are copied over them below, not merged by dpkg.
apt_get install --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${packages[@]}"
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || die "package $p is not installed"
done
[ -x "$KILN_PG_BIN_DIR/postgres" ] || die "$KILN_PG_BIN_DIR/postgres missing: the profile's PostgreSQL major does not match the release"

say "system user $KILN_APP_USER"
if ! getent passwd "$KILN_APP_USER" >/dev/null; then
  useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin "$KILN_APP_USER"
fi
getent group "$KILN_APP_USER" >/dev/null || die "group $KILN_APP_USER missing"

say "copying the rendered files over / (owner root, modes as rendered, existing directories untouched)"
tar -C "$bundle/rootfs" --numeric-owner --owner=0 --group=0 -cf - . | tar -C / --no-overwrite-dir -xpf -
# Every shipped file must now be byte-identical on /: the verify step compares them to the manifest too.
(cd "$bundle/rootfs" && find . -type f -print0 | xargs -0 sha256sum) | (cd / && sha256sum --quiet -c -) \
  || die "files on / differ from the bundle"
for entry in "${group_files[@]}"; do
  group="${entry%%:*}" path="${entry#*:}"
  # Only files this render ships; the service reads them as its own group (modes come from the render).
  if [ -e "$bundle/rootfs$path" ]; then
    getent group "$group" >/dev/null || die "group $group for $path does not exist"
    chgrp "$group" "$path"
  fi
done
for d in "${state_dirs[@]}"; do install -d -o root -g root -m 0755 "$d"; done

say "removing the distro's default nginx site (kiln's site is the default server)"
rm -f /etc/nginx/sites-enabled/default
[ ! -e /etc/nginx/sites-enabled/default ] || die "/etc/nginx/sites-enabled/default is still there"

say "python venv $KILN_VENV with the app's pinned requirements"
[ -f "$KILN_APP_DIR/requirements.txt" ] || die "$KILN_APP_DIR/requirements.txt missing from the bundle"
[ -x "$KILN_VENV/bin/python" ] || "$KILN_PYTHON" -m venv "$KILN_VENV"
# An optional wheelhouse in the bundle (BUNDLE/wheels, filled by the caller) makes the install offline.
pip_source=()
if [ -d "$bundle/wheels" ]; then pip_source=(--no-index --find-links "$bundle/wheels"); say "offline, from $bundle/wheels"; fi
"$KILN_VENV/bin/pip" install -q --no-cache-dir --disable-pip-version-check --only-binary=:all: "${pip_source[@]}" \
  -r "$KILN_APP_DIR/requirements.txt"
"$KILN_VENV/bin/python" -c 'import django, gunicorn, psycopg, redis' || die "the venv cannot import the app's runtime"
if [ -n "$(find "$KILN_VENV" -type f -perm -o=w -print -quit)" ]; then die "world-writable file in the venv"; fi

say "enabling units: ${package_units[*]} and the image's own"
units=("${package_units[@]}")
for f in "$bundle"/rootfs/etc/systemd/system/*.service "$bundle"/rootfs/etc/systemd/system/*.timer; do
  # Units without [Install] (pulled in by others) cannot be enabled.
  if grep -q '^\[Install\]' "$f"; then units+=("$(basename "$f")"); fi
done
# Under Packer systemd is running and must see the new units; in a chroot enable only writes symlinks.
if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
systemctl enable "${units[@]}"
for u in "${units[@]}"; do
  state="$(systemctl is-enabled "$u" 2>/dev/null || true)"
  [ "$state" = enabled ] || die "unit $u is '$state', not enabled"
done

say "done in $((SECONDS - started)) s"
