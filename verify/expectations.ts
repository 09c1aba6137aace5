/**
 * Pure: what a booted box must look like, derived from the render itself (the manifest, the sysctl file,
 * the systemd drop-ins, cloud-init's write_files), so checks never branch on a tier's name.
 */
import { parse as parseYaml } from 'yaml';
import type { Role } from '../images/render-types.ts';
import type { StateExpectations } from './checks/index.ts';
import { DEFAULT_PUBLIC_LISTENERS } from './checks/index.ts';
import { DEFAULT_SECRET_ROOTS } from './checks/secrets.ts';
import { DEFAULT_SSHD_POLICY } from './checks/sshd.ts';
import type { HostDescription } from '../model/host.ts';
import { fingerprintOf } from './hostkey.ts';
import { APP_CONFIG } from '../images/files/app.ts';
import { VENV } from '../images/files/provision.ts';

/** Unit properties `systemctl show` prints under the same name and form as the unit file sets them. */
export const COMPARABLE_PROPERTIES = ['Restart', 'OOMPolicy', 'KillMode', 'Type', 'User', 'Group', 'LimitNOFILE'];
const DROPIN = /^\/etc\/systemd\/system\/([^/]+\.service)\.d\/[^/]+\.conf$/;

/** `key = value` lines of sysctl.d files. */
export function parseSysctlFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([a-z0-9_.\-/]+)\s*=\s*(.*?)\s*$/i.exec(line);
    if (m && !line.trim().startsWith('#') && !line.trim().startsWith(';')) out[m[1]] = m[2];
  }
  return out;
}

/** `Key=Value` lines of one section of a systemd unit file; a later assignment wins, as systemd reads it. */
export function parseUnitSection(text: string, section: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      current = sec[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (current === section && eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Files written at boot on purpose (never "baked secrets"): EnvironmentFile= targets, what a first-boot unit
 * creates (`ConditionPathExists=!PATH`, e.g. the per-instance snakeoil key) and cloud-init write_files.
 */
/** The files an image was rendered with: a fresh render, or the bundle the image recorded at bake. */
export interface RenderedFiles {
  files: readonly { path: string; role: Role; content: string }[];
  manifest: readonly { path: string; sha256: string }[];
}

export function bootWrittenPaths(rendered: RenderedFiles): string[] {
  const paths = new Set<string>();
  for (const f of rendered.files) {
    if (f.role === 'systemd') {
      const env = parseUnitSection(f.content, 'Service').EnvironmentFile;
      if (env) paths.add(env.replace(/^-/, ''));
      const made = parseUnitSection(f.content, 'Unit').ConditionPathExists;
      if (made?.startsWith('!/')) paths.add(made.slice(1));
    }
    if (f.path === 'cloud-init/user-data') {
      const doc = parseYaml(f.content.replace(/^## template:.*\n/, ''), { version: '1.1' }) as { write_files?: { path?: string }[] } | null;
      for (const w of doc?.write_files ?? []) if (typeof w.path === 'string') paths.add(w.path);
    }
  }
  return [...paths].sort();
}

/** The app's own wheel distribution, from the image's app.json: its files get no package pass in the secrets scan. */
function appDistribution(rendered: RenderedFiles): string | null {
  const f = rendered.files.find((x) => x.path === APP_CONFIG);
  if (!f) return null;
  const d = (JSON.parse(f.content) as { distribution?: unknown }).distribution;
  return typeof d === 'string' ? d : null;
}

export interface ExpectationExtras {
  /** machine-id baked into the image (should be empty). */
  imageMachineId?: string;
  /** fingerprints of host keys that existed when the image was baked. */
  imageHostKeyFingerprints?: string[];
  /** Where to look for baked secrets (default DEFAULT_SECRET_ROOTS). */
  secretRoots?: string[];
  /** Base64 blobs of the launch key(s) (see launchKeyBlob in host.ts). */
  launchKeyBlobs?: string[];
  /** The manifest recorded at bake time (preferred over a fresh render when the image carries one). */
  manifest?: { path: string; sha256: string }[];
}

export function expectationsFromRender(rendered: RenderedFiles, host: HostDescription, extras: ExpectationExtras = {}): StateExpectations {
  const sysctls: Record<string, string> = {};
  for (const f of rendered.files) if (f.role === 'sysctl') Object.assign(sysctls, parseSysctlFile(f.content));
  const unitProperties: Record<string, Record<string, string>> = {};
  for (const f of rendered.files) {
    const unit = DROPIN.exec(f.path)?.[1];
    if (!unit) continue;
    const service = parseUnitSection(f.content, 'Service');
    const props = Object.fromEntries(COMPARABLE_PROPERTIES.filter((k) => service[k] !== undefined).map((k) => [k, service[k]]));
    unitProperties[unit] = { ...unitProperties[unit], ...props };
  }
  const presented = host.hostKey.startsWith('SHA256:')
    ? host.hostKey
    : fingerprintOf(Buffer.from(host.hostKey.split(/\s+/)[1] ?? '', 'base64'));
  return {
    // Every unit kiln adjusts with a drop-in is a service the image promises to run.
    units: Object.keys(unitProperties).sort(),
    publicListeners: DEFAULT_PUBLIC_LISTENERS,
    manifest: (extras.manifest ?? rendered.manifest).filter((e) => e.path.startsWith('/')).map((e) => ({ path: e.path, sha256: e.sha256 })),
    sysctls,
    unitProperties,
    identity: {
      imageMachineId: extras.imageMachineId ?? '',
      imageHostKeyFingerprints: extras.imageHostKeyFingerprints ?? [],
      presentedHostKeyFingerprint: presented,
    },
    secrets: {
      loginUser: host.user,
      launchKeyBlobs: extras.launchKeyBlobs ?? [],
      allowedPaths: bootWrittenPaths(rendered),
      roots: extras.secretRoots ?? DEFAULT_SECRET_ROOTS,
      packages: { sitePackages: `${VENV}/lib/python3*/site-packages`, ownDistribution: appDistribution(rendered) },
    },
    sshd: DEFAULT_SSHD_POLICY,
  };
}
