/**
 * The OS share per distro: what a whole machine's kernel and OS take of its RAM at the stack's worst case, as base +
 * share of RAM. Debian's come from measurements on the tier's VM (bench/os-share.ts): the OS share at idle (tier RAM
 * - MemAvailable - the stack's own memory) plus what the kernel's unreclaimable memory grows by under verify's
 * worst-case phase; the line is fitted over the tiers measured and raised until no measurement lies above it.
 */
import type { OsShare } from './costs.ts';

/** One tier's VM, as bench/os-share.ts prints it (MiB). */
export interface OsShareMeasurement {
  tier: string;
  ramMiB: number;
  memTotalMiB: number;
  /** Tier RAM - MemAvailable - the stack's anonymous and shared PSS, after first boot. */
  idleOsShareMiB: number;
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

/** What the budget must reserve for one measured tier: the idle share plus the kernel's growth at the worst case. */
export const neededMiB = (m: OsShareMeasurement): number => m.idleOsShareMiB + Math.max(0, m.loadedKernelMiB - m.idleKernelMiB);

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

export const OS_SURVEYS: Record<'debian13' | 'debian12', OsShareSurvey> = {
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
        idleOsShareMiB: 113.8,
        idleKernelMiB: 15.3,
        loadedKernelMiB: 27,
        idleOsProcessesMiB: 7.3,
        lowestAvailableMiB: 216.8,
        oomKills: 0,
      },
      {
        tier: 'micro',
        ramMiB: 1024,
        memTotalMiB: 972,
        idleOsShareMiB: 131.7,
        idleKernelMiB: 15.4,
        loadedKernelMiB: 33.1,
        idleOsProcessesMiB: 9.2,
        lowestAvailableMiB: 471.5,
        oomKills: 0,
      },
    ],
  },
  debian12: {
    distro: 'debian12',
    date: '2026-12-05',
    command: 'npx tsx bench/os-share.ts nano,micro debian12',
    kernel: '6.1.0-57-cloud-amd64, TCG',
    rows: [
      {
        tier: 'nano',
        ramMiB: 512,
        memTotalMiB: 468.8,
        idleOsShareMiB: 113.8,
        idleKernelMiB: 15.3,
        loadedKernelMiB: 27,
        idleOsProcessesMiB: 7.3,
        lowestAvailableMiB: 216.8,
        oomKills: 0,
      },
      {
        tier: 'micro',
        ramMiB: 1024,
        memTotalMiB: 972,
        idleOsShareMiB: 131.7,
        idleKernelMiB: 15.4,
        loadedKernelMiB: 33.1,
        idleOsProcessesMiB: 9.2,
        lowestAvailableMiB: 471.5,
        oomKills: 0,
      },
    ],
  },
};

/**
 * Ubuntu 24.04's AMI cannot boot here: Debian 13's measured line plus the resident services its cloud image keeps
 * once provisioning purges snapd, multipathd, udisks2, unattended-upgrades and networkd-dispatcher (systemd-networkd,
 * systemd-resolved, systemd-timesyncd, udevd with its larger rule set, rsyslog, cron, polkitd: ~24 MiB of private
 * memory by their upstreams' documented footprints) and 8 MiB for the AWS kernel's larger module set. Verify holds
 * every EC2 box to it (machine:os-share), so an AMI that takes more fails before promotion.
 */
const UBUNTU_RESIDENT_MIB = 24;
const UBUNTU_KERNEL_MIB = 8;

const debian13 = fitOsShare(OS_SURVEYS.debian13);
export const OS_SHARES = {
  debian13,
  debian12: fitOsShare(OS_SURVEYS.debian12),
  ubuntu2404: {
    baseMiB: debian13.baseMiB + UBUNTU_RESIDENT_MIB + UBUNTU_KERNEL_MIB,
    ramPct: debian13.ramPct,
    source: `documented: Debian 13's measured line + ${UBUNTU_RESIDENT_MIB} MiB of resident services Ubuntu keeps after the trim + ${UBUNTU_KERNEL_MIB} MiB kernel`,
  },
} as const satisfies Record<string, OsShare>;
