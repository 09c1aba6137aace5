/**
 * The one place a target name becomes a Target: commands and flows call `targetFor(name, opts)` and never
 * branch on the name. Per-target facts (which options apply, the janitor's default) are data here.
 */
import { resolve } from 'node:path';
import type { DistroProfile } from '../images/distro.ts';
import { InputError } from '../images/errors.ts';
import { awsTarget, type FleetOps } from './aws/target.ts';
import type { AwsTargetOptions } from './aws/settings.ts';
import { LOCAL_DISTROS } from './local/base.ts';
import { localTarget, type LocalTargetOptions } from './local/target.ts';
import type { Target } from './target.ts';

export type { FleetOps } from './aws/target.ts';

/** Options of every target; each target reads its own and ignores the rest. */
export type TargetOptions = LocalTargetOptions & AwsTargetOptions;

/** A Target plus the optional capabilities a target may have. */
export type KilnTarget = Target & { fleet?: FleetOps };

export interface TargetEntry {
  make: (opts: TargetOptions) => KilnTarget;
  /** The option keys this target reads (the CLI refuses flags meant for another target). */
  options: readonly (keyof TargetOptions)[];
  /** The distros it bakes, the default first (`--distro` on bake and nightly picks another). */
  distros: readonly DistroProfile['id'][];
  /** `kiln janitor` without --apply/--dry-run: local removes dead boxes' leftovers; aws only reports. */
  janitorDryRunByDefault: boolean;
  about: string;
}

export const TARGETS = {
  local: {
    // Absolute, so the host JSON's key paths work from any directory.
    make: (o) =>
      localTarget({ stateDir: o.stateDir && resolve(o.stateDir), cacheDir: o.cacheDir && resolve(o.cacheDir), distro: o.distro }),
    options: ['stateDir', 'cacheDir', 'distro'],
    distros: LOCAL_DISTROS,
    janitorDryRunByDefault: false,
    about: 'this machine: debootstrap + systemd-nspawn boxes (root)',
  },
  aws: {
    make: (o) => awsTarget(o),
    options: ['region', 'subnetId', 'vpcId', 'verifierCidr', 'workDir', 'ttlHours', 'ssmPrefix', 'tags', 'env'],
    distros: ['ubuntu2404'],
    janitorDryRunByDefault: true,
    about: 'an AWS account: Packer, CDKTF candidate stacks, SSM promotion',
  },
} satisfies Record<Target['name'], TargetEntry>;

export type TargetName = keyof typeof TARGETS;
export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

export function targetEntry(name: unknown): TargetEntry {
  if (typeof name !== 'string' || !Object.hasOwn(TARGETS, name)) {
    throw new InputError(
      '--target',
      name ?? null,
      `must be one of ${TARGET_NAMES.join(', ')}`,
      'pass --target local (this machine) or --target aws',
    );
  }
  return TARGETS[name as TargetName];
}

/** The target named `name` (InputError, exit 2, for an unknown name). */
export const targetFor = (name: string, opts: TargetOptions = {}): KilnTarget => targetEntry(name).make(opts);
