#!/bin/bash
# kiln golden-image hygiene: removes what must not travel from the build into every box, then PROVES it.
# Usage: hygiene.sh [--verify-only] [BUNDLE_DIR]   Last step before the snapshot (Packer) or the pack (local
# target); BUNDLE_DIR (the uploaded render) is removed too. --verify-only changes nothing, only checks.
# Exit 1 when anything remains; each leftover is named on stderr.
set -euo pipefail
shopt -s nullglob dotglob

say() { printf '== kiln hygiene: %s\n' "$*" >&2; }
trap 'printf "kiln hygiene: FAILED: line %s: \`%s\` exited %s\n" "$LINENO" "$BASH_COMMAND" "$?" >&2; exit 1' ERR
[ "$(id -u)" = 0 ] || { echo "kiln hygiene: must run as root" >&2; exit 1; }

mode=clean
if [ "${1:-}" = --verify-only ]; then mode=verify; shift; fi
# The uploaded bundle ($1, the dir provision.sh ran from) goes too; only a dir that really is one is removed.
bundle=""
if [ -n "${1:-}" ] && [ -f "$1/provision/profile.env" ]; then bundle="$(cd "$1" && pwd -P)"; fi
if [ "$bundle" = / ]; then echo "kiln hygiene: refusing to remove / as the bundle" >&2; exit 1; fi
HISTORIES=(.bash_history .zsh_history .python_history .psql_history .rediscli_history .lesshst .viminfo .wget-hsts .node_repl_history)
# Homes of people and of the service users that have one (psql/redis-cli histories land there).
homes=(/root /home/* /var/lib/postgresql /var/lib/redis)
# Written by kiln-firstboot on each box: a copy in the image would be every box's secret.
PER_INSTANCE=(/etc/kiln/app.env /etc/kiln/boot.json /etc/pgbouncer/userlist.txt /var/lib/kiln/firstboot.done)
# Install-time keys every box would share; Debian's ssl-cert made the snakeoil pair (regenerated at boot).
SHARED_KEYS=(/etc/ssh/ssh_host_* /etc/ssl/private/ssl-cert-snakeoil.key /etc/ssl/certs/ssl-cert-snakeoil.pem)

clean() {
  say "cloud-init state and logs (the seed stays: the local target binds its NoCloud seed there)"
  cloud-init clean --logs

  say "machine identity: empty /etc/machine-id (first boot), no dbus copy"
  : > /etc/machine-id
  chmod 0444 /etc/machine-id
  rm -f /var/lib/dbus/machine-id

  say "host keys and install-time key pairs"
  rm -f "${SHARED_KEYS[@]}" "${PER_INSTANCE[@]}"

  say "histories, authorized_keys, caches in ${homes[*]}"
  for h in "${homes[@]}"; do
    for f in "${HISTORIES[@]}"; do rm -f "$h/$f"; done
    rm -f "$h/.ssh/authorized_keys" "$h/.ssh/authorized_keys2"
    rm -rf "$h/.cache/pip"
  done

  # A symlink (Ubuntu's systemd-resolved stub) is part of the OS; a regular file is the build's resolver.
  if [ -f /etc/resolv.conf ] && [ ! -L /etc/resolv.conf ]; then
    say "the build's /etc/resolv.conf"
    rm -f /etc/resolv.conf
  fi

  say "apt caches and lists"
  apt-get clean
  find /var/lib/apt/lists -mindepth 1 -maxdepth 1 -type f -delete

  say "logs: drop rotated ones, the journal, truncate the rest"
  find /var/log -type f \( -name '*.gz' -o -name '*.[0-9]' -o -name '*.old' \) -delete
  if [ -d /run/systemd/system ]; then
    # A live build VM (Packer): journald owns its files; rotate, then vacuum everything archived.
    journalctl --rotate
    journalctl --vacuum-time=1s
  elif [ -d /var/log/journal ]; then
    find /var/log/journal -mindepth 1 -delete
  fi
  find /var/log -type f ! -path '/var/log/journal/*' -exec truncate -s 0 {} +

  if [ -n "$bundle" ]; then say "the bundle in $bundle"; rm -rf "$bundle"; fi
}

# Every effect of clean, checked independently; all leftovers are listed, then exit 1.
verify() {
  bad=0
  leftover() { printf 'kiln hygiene: LEFTOVER: %s\n' "$*" >&2; bad=1; }
  if [ ! -f /etc/machine-id ] || [ -L /etc/machine-id ]; then leftover "/etc/machine-id must exist as an empty file";
  elif [ -s /etc/machine-id ]; then leftover "/etc/machine-id is not empty"; fi
  if [ -e /var/lib/dbus/machine-id ] || [ -L /var/lib/dbus/machine-id ]; then leftover /var/lib/dbus/machine-id; fi
  for f in /etc/ssh/ssh_host_* "${PER_INSTANCE[@]}" /etc/ssl/private/ssl-cert-snakeoil.key /etc/ssl/certs/ssl-cert-snakeoil.pem; do
    if [ -e "$f" ] || [ -L "$f" ]; then leftover "$f"; fi
  done
  if [ -e /var/lib/cloud/instance ] || [ -L /var/lib/cloud/instance ]; then leftover /var/lib/cloud/instance; fi
  for d in /var/lib/cloud/instances /var/lib/cloud/data /var/lib/cloud/sem; do
    if [ -d "$d" ] && [ -n "$(ls -A "$d")" ]; then leftover "$d is not empty"; fi
  done
  for f in /var/log/cloud-init*; do leftover "$f"; done
  for h in "${homes[@]}"; do
    for f in "${HISTORIES[@]}" .ssh/authorized_keys .ssh/authorized_keys2 .cache/pip; do
      if [ -e "$h/$f" ]; then leftover "$h/$f"; fi
    done
  done
  if [ -e /etc/resolv.conf ] && [ ! -L /etc/resolv.conf ]; then leftover "/etc/resolv.conf from the build"; fi
  if [ -n "$(find /var/lib/apt/lists -mindepth 1 -maxdepth 1 -type f ! -name lock -print -quit)" ]; then leftover "apt lists"; fi
  if [ -n "$(find /var/cache/apt/archives -maxdepth 1 -name '*.deb' -print -quit)" ]; then leftover "downloaded .debs"; fi
  # The build's package logs (what was installed, when, by whom): loggers on a live VM may still add lines elsewhere.
  for f in /var/log/dpkg.log /var/log/apt/history.log /var/log/apt/term.log /var/log/alternatives.log; do
    if [ -s "$f" ]; then leftover "$f is not empty"; fi
  done
  if [ -n "$(find /var/log -type f \( -name '*.gz' -o -name '*.[0-9]' -o -name '*.old' \) -print -quit)" ]; then leftover "rotated logs in /var/log"; fi
  if [ -n "$bundle" ] && [ -e "$bundle" ]; then leftover "$bundle"; fi
  if [ "$bad" != 0 ]; then echo "kiln hygiene: FAILED: leftovers above" >&2; return 1; fi
  say "verified clean"
}

if [ "$mode" = clean ]; then clean; fi
if ! verify; then exit 1; fi
