/** What differs between the AMI's distro and the local image's: data, never `if` chains in templates. */
export interface DistroProfile {
  id: 'ubuntu2404' | 'debian12';
  codename: string;
  pgMajor: number;
  pgBinDir: string;
  pgConfDir: string;
  pgUnit: string;
  pythonBin: string;
  /** Which bake path ships this distro: Packer on EC2, or the local rootfs builder. */
  builder: 'packer' | 'local';
}

const profile = (id: DistroProfile['id'], codename: string, pgMajor: number, builder: DistroProfile['builder']): DistroProfile => ({
  id,
  codename,
  pgMajor,
  pgBinDir: `/usr/lib/postgresql/${pgMajor}/bin`,
  pgConfDir: `/etc/postgresql/${pgMajor}/main`,
  pgUnit: `postgresql@${pgMajor}-main.service`,
  pythonBin: '/usr/bin/python3',
  builder,
});

export const DISTROS: Record<DistroProfile['id'], DistroProfile> = {
  ubuntu2404: profile('ubuntu2404', 'noble', 16, 'packer'),
  debian12: profile('debian12', 'bookworm', 15, 'local'),
};
