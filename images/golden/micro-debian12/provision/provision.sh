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
: "${KILN_APP_DATA_DIR:?}" "${KILN_STATIC_LINK:?}"
started=$SECONDS
read -ra packages <<<"$KILN_PACKAGES"
read -ra package_units <<<"$KILN_PACKAGE_UNITS"
read -ra group_files <<<"$KILN_GROUP_FILES"
read -ra state_dirs <<<"$KILN_STATE_DIRS"

# needrestart (Ubuntu) must list, not prompt or restart services mid-build.
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l LC_ALL=C.UTF-8
# Under Packer, apt may still race cloud-init or unattended-upgrades: wait for the lock instead of failing.
apt_get() { apt-get -q -y -o DPkg::Lock::Timeout=300 "$@"; }

if [ "${KILN_LAYER:-full}" = app ]; then
  # A release layer on a promoted base image: the base installed the stack; nothing is fetched from apt again.
  say "app layer on a base image: checking the base's packages (${packages[*]})"
else
  say "packages for $KILN_DISTRO: ${packages[*]}"
  apt_get update
  # Keep the distro's conffiles at install: kiln's own files are copied over them below, not merged by dpkg.
  apt_get install --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${packages[@]}"
fi
read -ra removed_packages <<<"${KILN_REMOVED_PACKAGES:-}"
read -ra removed_units <<<"${KILN_REMOVED_UNITS:-}"
gone=()
for p in "${removed_packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then gone+=("$p"); fi
done
if ((${#gone[@]})); then
  # The recipe leaves these services out (an external database, no cache): the image carries only what it runs.
  say "removing the base's services this app does not run: ${gone[*]}"
  apt_get purge --auto-remove "${gone[@]}"
  for u in "${removed_units[@]}"; do rm -rf "/etc/systemd/system/$u.d" "/etc/systemd/system/${u%.service}@"*.service.d; done
  if [[ " ${gone[*]} " == *" postgresql-"* ]]; then rm -rf /var/lib/postgresql /etc/postgresql /etc/pgbouncer; fi
fi
read -ra trim_packages <<<"${KILN_TRIM_PACKAGES:-}"
read -ra trim_units <<<"${KILN_TRIM_UNITS:-}"
trimmed=()
for p in "${trim_packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then trimmed+=("$p"); fi
done
if ((${#trimmed[@]})); then
  # Resident services of the base image a web server does not need: their memory is taken from the stack's budget.
  say "removing the base's resident services a web server does not need: ${trimmed[*]}"
  apt_get purge "${trimmed[@]}"
fi
for u in "${trim_units[@]}"; do
  # Masked, not only disabled: a package update cannot bring a daily apt run back onto a 512 MiB box.
  ln -sfn /dev/null "/etc/systemd/system/$u"
done
for p in "${trim_packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then die "package $p is still installed"; fi
done
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || die "package $p is not installed"
done
if [[ " ${packages[*]} " == *" postgresql-"* ]]; then
  [ -x "$KILN_PG_BIN_DIR/postgres" ] || die "$KILN_PG_BIN_DIR/postgres missing: the profile's PostgreSQL major does not match the release"
fi

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

app="$bundle/app"
wheels=("$app"/*.whl)
if [ -d "$app/src" ]; then
  say "the app's project dir -> $KILN_APP_DIR (root-owned, read-only to the app)"
  rm -rf "$KILN_APP_DIR"
  install -d -m 0755 "$(dirname "$KILN_APP_DIR")"
  cp -a "$app/src" "$KILN_APP_DIR"
elif ((${#wheels[@]})); then
  say "the app's wheel ${wheels[*]##*/}: installed into the venv; $KILN_APP_DIR is gunicorn's empty working dir"
  rm -rf "$KILN_APP_DIR"
  install -d -m 0755 "$(dirname "$KILN_APP_DIR")" "$KILN_APP_DIR"
fi
if [ -d "$app/src" ] || ((${#wheels[@]})); then
  chown -R root:root "$KILN_APP_DIR"
  chmod -R u=rwX,go=rX "$KILN_APP_DIR"
fi
install -d -o "$KILN_APP_USER" -g "$KILN_APP_USER" -m 0750 "$KILN_APP_DATA_DIR"

requirements="$KILN_APP_DIR/requirements.txt"
if [ -f "$app/requirements.txt" ]; then requirements="$app/requirements.txt"; fi
[ -f "$requirements" ] || ((${#wheels[@]})) || die "no requirements: neither $app/requirements.txt nor $KILN_APP_DIR/requirements.txt"
say "python venv $KILN_VENV with the app's requirements"
# A fresh venv every bake: a release layer must not inherit the base's canary packages.
rm -rf "$KILN_VENV"
"$KILN_PYTHON" -m venv "$KILN_VENV"
# An optional wheelhouse in the bundle (BUNDLE/wheels, filled by the caller) makes the install offline.
pip_source=()
if [ -d "$bundle/wheels" ]; then pip_source=(--no-index --find-links "$bundle/wheels"); say "offline, from $bundle/wheels"; fi
pip_args=(install -q --no-cache-dir --disable-pip-version-check --prefer-binary "${pip_source[@]}")
# pip turns on hash checking by itself when the requirements carry --hash lines.
req_args=()
if [ -f "$requirements" ]; then req_args=(-r "$requirements"); fi
"$KILN_VENV/bin/pip" "${pip_args[@]}" "${req_args[@]}" "${wheels[@]}"
# kiln's pinned gunicorn when the app's requirements do not name one (a separate call: it has no hash to check).
if [ -f "$app/kiln-requirements.txt" ]; then "$KILN_VENV/bin/pip" "${pip_args[@]}" -r "$app/kiln-requirements.txt"; fi
"$KILN_VENV/bin/python" -c 'import django, gunicorn' || die "the venv cannot import django and gunicorn"
say "importing the app, collecting its static files"
KILN_STATIC_LINK="$KILN_STATIC_LINK" "$KILN_VENV/bin/python" "$bundle/provision/app_build.py" /etc/kiln/app.json "$bundle/provision/build-env.json" \
  || die "the app did not build (see the lines above)"
# Whatever importing the app wrote into its data dir at bake (logs, caches) is the build's, not a box's.
find "$KILN_APP_DATA_DIR" -mindepth 1 -delete
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
