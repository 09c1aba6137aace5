/** What differs between the AMI's distro and the local image's: data, never `if` chains in templates. */
import type { OsShare } from './tuning/costs.ts';
import { OS_SHARES } from './tuning/os-share.ts';
export interface DistroProfile {
  id: 'ubuntu2404' | 'debian12' | 'debian13';
  codename: string;
  pgMajor: number;
  /** major.minor of the release's other services: validate says what a different host version cannot check. */
  versions: StackVersions;
  pgBinDir: string;
  pgConfDir: string;
  pgUnit: string;
  pythonBin: string;
  /** Debian packages provision.sh installs (the stack, the venv, first-boot's needs); names differ per release. */
  packages: readonly string[];
  /** Units of those packages provision.sh enables (the image's own units are enabled from the bundle). */
  packageUnits: readonly string[];
  /** The packages and unit of each optional service: a recipe that leaves one out installs and enables neither. */
  optional: Record<OptionalService, { packages: readonly string[]; unit: string }>;
  /** The cloud-init unit whose end means write_files ran (24.3 renamed cloud-init.service to cloud-init-network.service). */
  cloudInitNetworkUnit: string;
  /** Which bake path ships this distro: Packer on EC2, or the local rootfs builder. */
  builder: 'packer' | 'local';
  /** Where first boot gets the app's secrets: SSM Parameter Store (instance role) or generated on the box. */
  secretSource: 'ssm' | 'generate';
  /** What the kernel and the OS take of a whole machine's RAM at the stack's worst case: the budget reserves it. */
  osShare: OsShare;
  /** The base image's resident services a web server does not need: purged when installed, timers masked. */
  trim: { packages: readonly string[]; units: readonly string[] };
}

/** Services a recipe may leave out (an external database, no cache); nginx and gunicorn always run. */
export type OptionalService = 'postgres' | 'pgbouncer' | 'redis';

export interface StackVersions {
  python: string;
  pgbouncer: string;
  redis: string;
  nginx: string;
  openssh: string;
  systemd: string;
}

// What every profile installs; the web server and AWS client parts differ (see DISTROS).
const STACK_PACKAGES = (pgMajor: number) => [
  `postgresql-${pgMajor}`,
  'postgresql-client-common',
  'pgbouncer',
  'redis-server',
  'python3',
  'python3-venv',
  'openssh-server',
  'cloud-init',
  'ca-certificates',
  'ssl-cert',
  'sudo',
];
const PACKAGE_UNITS = ['postgresql.service', 'pgbouncer.service', 'redis-server.service', 'nginx.service'];

const profile = (
  id: DistroProfile['id'],
  codename: string,
  pgMajor: number,
  versions: StackVersions,
  builder: DistroProfile['builder'],
  secretSource: DistroProfile['secretSource'],
  extra: string[],
  cloudInitNetworkUnit = 'cloud-init.service',
): Omit<DistroProfile, 'osShare' | 'trim'> => ({
  id,
  codename,
  pgMajor,
  versions,
  pgBinDir: `/usr/lib/postgresql/${pgMajor}/bin`,
  pgConfDir: `/etc/postgresql/${pgMajor}/main`,
  pgUnit: `postgresql@${pgMajor}-main.service`,
  pythonBin: '/usr/bin/python3',
  packages: [...STACK_PACKAGES(pgMajor), ...extra],
  packageUnits: PACKAGE_UNITS,
  optional: {
    postgres: { packages: [`postgresql-${pgMajor}`, 'postgresql-client-common'], unit: 'postgresql.service' },
    pgbouncer: { packages: ['pgbouncer'], unit: 'pgbouncer.service' },
    redis: { packages: ['redis-server'], unit: 'redis-server.service' },
  },
  cloudInitNetworkUnit,
  builder,
  secretSource,
});

export const DISTROS: Record<DistroProfile['id'], DistroProfile> = {
  // The AMI fetches its secrets from SSM at first boot (boto3 from the distro, signed with the instance role).
  ubuntu2404: {
    ...profile(
      'ubuntu2404',
      'noble',
      16,
      { python: '3.12', pgbouncer: '1.22', redis: '7.0', nginx: '1.24', openssh: '9.6', systemd: '255' },
      'packer',
      'ssm',
      ['nginx', 'python3-boto3'],
    ),
    osShare: OS_SHARES.ubuntu2404,
    // Ubuntu's cloud image runs these resident (snapd, multipathd, udisks2…) or wakes them on timers (apt's daily
    // runs take ~100 MiB on a 512 MiB box at any hour): an immutable image replaced nightly needs none of them.
    trim: {
      packages: [
        'snapd',
        'multipath-tools',
        'udisks2',
        'unattended-upgrades',
        'networkd-dispatcher',
        'packagekit',
        'modemmanager',
        'open-iscsi',
        'lxd-agent-loader',
        'fwupd',
      ],
      units: [
        'apt-daily.timer',
        'apt-daily-upgrade.timer',
        'motd-news.timer',
        'man-db.timer',
        'fwupd-refresh.timer',
        'update-notifier-download.timer',
      ],
    },
  },
  // bookworm still has the small nginx build; the local image generates its secrets, so no AWS client.
  debian12: {
    ...profile(
      'debian12',
      'bookworm',
      15,
      { python: '3.11', pgbouncer: '1.18', redis: '7.0', nginx: '1.22', openssh: '9.2', systemd: '252' },
      'local',
      'generate',
      ['nginx-light'],
    ),
    osShare: OS_SHARES.debian12,
    // debootstrap's minimal system runs nothing resident beyond systemd, journald, sshd and getty; its daily timers go.
    trim: { packages: [], units: ['apt-daily.timer', 'apt-daily-upgrade.timer', 'man-db.timer'] },
  },
  // trixie's nginx-light is only nginx + the echo module; Python 3.13 (Django 6 needs >= 3.12), cloud-init 25.1.
  debian13: {
    ...profile(
      'debian13',
      'trixie',
      17,
      { python: '3.13', pgbouncer: '1.24', redis: '8.0', nginx: '1.26', openssh: '10.0', systemd: '257' },
      'local',
      'generate',
      ['nginx'],
      'cloud-init-network.service',
    ),
    osShare: OS_SHARES.debian13,
    // debootstrap's minimal system runs nothing resident beyond systemd, journald, sshd and getty; its daily timers go.
    trim: { packages: [], units: ['apt-daily.timer', 'apt-daily-upgrade.timer', 'man-db.timer'] },
  },
};

const absent = (d: DistroProfile, services: readonly string[]) =>
  (Object.keys(d.optional) as OptionalService[]).filter((svc) => !services.includes(svc)).map((svc) => d.optional[svc]);

/** What an image of these services installs and enables; and what a release layer on a full base takes away. */
export function packagesFor(d: DistroProfile, services: readonly string[]) {
  const gone = absent(d, services);
  const removedPackages = gone.flatMap((o) => o.packages);
  const removedUnits = gone.map((o) => o.unit);
  return {
    packages: d.packages.filter((p) => !removedPackages.includes(p)),
    units: d.packageUnits.filter((u) => !removedUnits.includes(u)),
    removedPackages,
    removedUnits,
  };
}
