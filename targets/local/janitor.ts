/** janitor: removes what crashed runs left (boxes whose owner is dead, stale temp dirs), and only that. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run, say } from './exec.ts';
import { groupPids, listKilnGroups } from './cgroup.ts';
import { mountsUnder, removeTree } from '../../lib/fsutil.ts';
import { pidAlive } from './lock.ts';
import { listKilnNetns, listKilnVeths, subnetClaims } from './net.ts';
import { claimedIds, ID_PATTERN, ownerAlive, readOwner } from './owner.ts';
import { defaultCacheDir, defaultStateDir, imagesDir, instancesDir } from './paths.ts';
import { preflight } from './preflight.ts';
import { teardown } from './teardown.ts';

export interface JanitorOptions {
  stateDir?: string;
  cacheDir?: string;
  /** Report only. */
  dryRun?: boolean;
}

export interface JanitorReport {
  /** Launch ids whose leftovers were (or, dry run, would be) removed. */
  removed: string[];
  /** Launch ids with a live owner: left alone. */
  live: string[];
  /** Ids with kiln-looking resources but no claim and live processes: not ours to judge, left alone. */
  foreign: string[];
  tempDirs: string[];
  /** Resources that could not be removed. */
  left: string[];
}

async function candidateIds(stateDir: string): Promise<string[]> {
  const ids = new Set<string>([
    ...(await claimedIds()),
    ...(await listKilnGroups()),
    ...(await listKilnNetns()).map((n) => n.slice('kiln-'.length)),
    ...(await listKilnVeths()).map((n) => n.slice('kv-'.length)),
    ...(await readdir(instancesDir(stateDir)).catch(() => [] as string[])),
    ...(await subnetClaims()).values(),
  ]);
  return [...ids].filter((id) => ID_PATTERN.test(id)).sort();
}

/** Temp dirs carry their creator's PID (`*.tmp-<pid>-<rand>`); a dead creator means an interrupted write. */
async function staleTemps(dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    for (const n of await readdir(d).catch(() => [] as string[])) {
      const pid = Number(/\.tmp-(\d+)-[0-9a-f]+$/.exec(n)?.[1] ?? 0);
      if (pid > 0 && !pidAlive(pid)) out.push(join(d, n));
    }
  }
  return out;
}

export async function janitor(opts: JanitorOptions = {}): Promise<JanitorReport> {
  await preflight('destroy');
  const stateDir = opts.stateDir ?? defaultStateDir();
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const report: JanitorReport = { removed: [], live: [], foreign: [], tempDirs: [], left: [] };
  for (const id of await candidateIds(stateDir)) {
    const owner = await readOwner(id);
    if (await ownerAlive(owner)) {
      report.live.push(id);
      continue;
    }
    // No claim at all: only take it if nothing runs in it (it may belong to another tool using the prefix).
    if (!owner && (await groupPids(id)).length > 0) {
      report.foreign.push(id);
      continue;
    }
    report.removed.push(id);
    if (opts.dryRun) continue;
    say(`janitor: removing leftovers of box ${id}`);
    const wrapper = owner?.wrapperPid ? { pid: owner.wrapperPid, startTicks: owner.wrapperStartTicks ?? 0 } : undefined;
    report.left.push(...(await teardown(id, owner?.stateDir ?? stateDir, wrapper, 5)));
  }
  const temps = await staleTemps([join(stateDir, 'tmp'), imagesDir(stateDir), join(cacheDir, 'tmp'), join(cacheDir, 'base')]);
  for (const t of temps) {
    report.tempDirs.push(t);
    if (opts.dryRun) continue;
    // A killed bake can leave its tmpfs mounted over its work dir.
    for (const m of await mountsUnder(t)) await run('umount', [m], { allowFail: true });
    await removeTree(t).catch((e: Error) => report.left.push(e.message));
  }
  return report;
}
