/**
 * The OS share per distro: what a whole machine's kernel and OS take of its RAM at the stack's worst case, as base +
 * share of RAM. Debian's come from measurements on the tier's VM (bench/os-share.ts): the OS share (tier RAM -
 * MemAvailable - what the stack's units hold) at idle and halfway through verify's worst-case phase, the larger of the
 * two per tier; the line is fitted over the tiers measured and raised until no measurement lies above it.
 */
import type { OsShare } from './costs.ts';

/** One tier's VM, as bench/os-share.ts prints it (MiB). */
export interface OsShareMeasurement {
  tier: string;
  ramMiB: number;
  memTotalMiB: number;
  /** Tier RAM - MemAvailable - what the stack's units hold (cgroup v2's charge), after first boot and halfway through the phase. */
  idleOsShareMiB: number;
  loadedOsShareMiB: number;
  /** Unreclaimable slab + page tables + kernel stacks, at idle and halfway through the worst-case phase. */
  idleKernelMiB: number;
  loadedKernelMiB: number;
  /** The OS's own processes (systemd, journald, sshd, getty, dbus…): anonymous and shared PSS. */
  idleOsProcessesMiB: number;
  /** The phase's lowest MemAvailable, and OOM kills (0 or the image fails its verify). */
  lowestAvailableMiB: number;
  oomKills: number;
}

export interface OsShareSurvey {
  distro: string;
  /** The day and the command the figures come from, and the kernel the VM booted. */
  date: string;
  command: string;
  kernel: string;
  rows: readonly OsShareMeasurement[];
}

/** What the budget must reserve for one measured tier: the larger of the idle share and the share at the worst case. */
export const neededMiB = (m: OsShareMeasurement): number => Math.max(m.idleOsShareMiB, m.loadedOsShareMiB);

/** Pure: least-squares slope over the tiers, then the base raised until every tier's need is at or under the line. */
export function fitOsShare(s: OsShareSurvey): OsShare {
  const xs = s.rows.map((r) => r.ramMiB);
  const ys = s.rows.map(neededMiB);
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slope = n > 1 && sxx > 0 ? Math.max(0, xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / sxx) : 0;
  const ramPct = Math.ceil(slope * 1000) / 10;
  const baseMiB = Math.ceil(Math.max(...xs.map((x, i) => ys[i]! - (x * ramPct) / 100)));
  return { baseMiB, ramPct, source: `measured ${s.date} on ${s.rows.map((r) => r.tier).join(', ')} VMs (${s.kernel}): ${s.command}` };
}

export const OS_SURVEYS: Record<'debian13', OsShareSurvey> = {
  debian13: {
    distro: 'debian13',
    date: '2026-12-05',
    command: 'npx tsx bench/os-share.ts nano,micro,small debian13',
    kernel: '6.1.0-57-cloud-amd64, TCG',
    rows: [
      {
        tier: 'nano',
        ramMiB: 512,
        memTotalMiB: 468.8,
        idleOsShareMiB: 91.5,
        loadedOsShareMiB: 105,
        idleKernelMiB: 15.3,
        loadedKernelMiB: 26.7,
        idleOsProcessesMiB: 7.3,
        lowestAvailableMiB: 230.4,
        oomKills: 0,
      },
      {
        tier: 'micro',
        ramMiB: 1024,
        memTotalMiB: 972,
        idleOsShareMiB: 110.4,
        loadedOsShareMiB: 132.4,
        idleKernelMiB: 15.4,
        loadedKernelMiB: 32.6,
        idleOsProcessesMiB: 9.2,
        lowestAvailableMiB: 607.2,
        oomKills: 0,
      },
      {
        tier: 'small',
        ramMiB: 2048,
        memTotalMiB: 1978.5,
        idleOsShareMiB: 142.1,
        loadedOsShareMiB: 174.1,
        idleKernelMiB: 15.6,
        loadedKernelMiB: 45.4,
        idleOsProcessesMiB: 9.2,
        lowestAvailableMiB: 1490.9,
        oomKills: 0,
      },
    ],
  },
};

/**
 * Ubuntu 24.04's AMI cannot boot here: Debian 13's measured line plus what its cloud image keeps resident once
 * provisioning purges snapd, multipathd, udisks2, unattended-upgrades, networkd-dispatcher and packagekit, and which
 * kiln's Debian images do not run: systemd-networkd (~3 MiB), systemd-resolved (~4), systemd-timesyncd (~1.5), udevd
 * (~3), rsyslog (~3), polkitd (~3), irqbalance (~1), cron (~0.5), ~20 MiB of private memory together; and 8 MiB for
 * the AWS kernel's drivers (ENA's rings) over Debian's cloud kernel. Verify holds every EC2 box to it
 * (machine:os-share), so an AMI that takes more fails before promotion.
 */
const UBUNTU_RESIDENT_MIB = 20;
const UBUNTU_KERNEL_MIB = 8;

const debian13 = fitOsShare(OS_SURVEYS.debian13);
export const OS_SHARES = {
  debian13,
  // Not measured: its VM does not come up here (kmod-static-nodes fails without kmod in the image). The VM boots the
  // same Debian cloud kernel for both releases, and bookworm's userland is the smaller, so Debian 13's line holds it.
  debian12: { ...debian13, source: `Debian 13's line (same cloud kernel; not measured: its VM does not boot here) — ${debian13.source}` },
  ubuntu2404: {
    baseMiB: debian13.baseMiB + UBUNTU_RESIDENT_MIB + UBUNTU_KERNEL_MIB,
    ramPct: debian13.ramPct,
    source: `documented: Debian 13's measured line + ${UBUNTU_RESIDENT_MIB} MiB of resident services Ubuntu keeps after the trim + ${UBUNTU_KERNEL_MIB} MiB kernel`,
  },
} as const satisfies Record<string, OsShare>;
