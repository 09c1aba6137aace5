/** All state checks of a booted box, driven by typed expectations (never by tier names). */
import { checkCloudInit } from './cloudinit.ts';
import { checkDropIns, type UnitProperties } from './dropins.ts';
import { checkFiles, type ManifestEntry } from './files.ts';
import { checkIdentity, type IdentityExpectations } from './identity.ts';
import { checkListening, type PublicListener } from './listening.ts';
import { checkSecrets, type SecretsExpectations } from './secrets.ts';
import { checkServices } from './services.ts';
import { checkSshd, type SshdPolicy } from './sshd.ts';
import { checkSysctls, type SysctlMap } from './sysctls.ts';
import { type CheckResult, type Remote, guarded } from './types.ts';

export interface StateExpectations {
  /** e.g. ['nginx.service', 'postgresql@15-main.service', 'pgbouncer.service', 'redis-server.service', 'kiln-app.service'] */
  units: readonly string[];
  /** Off-loopback listeners that must exist, and the only ones allowed. */
  publicListeners: readonly PublicListener[];
  /** The render manifest's files (non-absolute entries are ignored). */
  manifest: readonly ManifestEntry[];
  sysctls: SysctlMap;
  /** Sysctl prefixes a box of this target sets itself (absent = all; the local stand-in: only `net.`). */
  sysctlEffectPrefixes?: readonly string[];
  unitProperties: UnitProperties;
  identity: IdentityExpectations;
  secrets: SecretsExpectations;
  sshd: SshdPolicy;
}

export const DEFAULT_PUBLIC_LISTENERS: readonly PublicListener[] = [
  { port: 80, process: 'nginx' },
  { port: 22, process: 'sshd' },
];

/** Runs every check family in turn over one session; a crashing check becomes `error`, never a pass. */
export async function runStateChecks(remote: Remote, exp: StateExpectations): Promise<CheckResult[]> {
  const families: [string, () => Promise<CheckResult | CheckResult[]>][] = [
    ['service', () => checkServices(remote, exp.units)],
    ['listening', () => checkListening(remote, exp.publicListeners)],
    ['files:manifest', () => checkFiles(remote, exp.manifest)],
    ['sysctl', () => checkSysctls(remote, exp.sysctls, exp.sysctlEffectPrefixes)],
    ['dropin', () => checkDropIns(remote, exp.unitProperties)],
    ['cloud-init', () => checkCloudInit(remote)],
    ['identity', () => checkIdentity(remote, exp.identity)],
    ['secrets', () => checkSecrets(remote, exp.secrets)],
    ['sshd', () => checkSshd(remote, exp.sshd)],
  ];
  const out: CheckResult[] = [];
  for (const [id, run] of families) out.push(...(await guarded(id, run)));
  return out;
}

export type { CheckResult, CheckStatus, Remote } from './types.ts';
export type { ManifestEntry, PublicListener, SysctlMap, UnitProperties, IdentityExpectations, SecretsExpectations, SshdPolicy };
