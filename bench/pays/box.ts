/**
 * One bench box: the tier's kiln image booted pinned, then a variant's config files written over the image's
 * (same paths, in place, so owner and mode stay the image's) and the services restarted so they read them.
 */
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tier } from '../../images/tiers.ts';
import { DISTROS, type DistroProfile } from '../../images/distro.ts';
import { launch, memoryStats, type HostDescription } from '../../targets/local/index.ts';
import { findLeader } from '../../targets/local/box.ts';
import { run } from '../../targets/local/exec.ts';
import { groupPath } from '../../targets/local/cgroup.ts';
import type { RenderedFile } from '../../images/render-types.ts';
import { failingCanaryEndpoints } from '../../verify/canary-probe.ts';

/** The stack's units on a box of this distro (the Postgres unit carries its major). */
export const stackUnits = (distro: DistroProfile['id']) => [DISTROS[distro].pgUnit, 'pgbouncer.service', 'redis-server.service', 'kiln-app.service', 'nginx.service'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command inside the box (its mount, pid, net, uts, ipc namespaces; not its cgroups), bounded. */
export async function inBox(id: string, cmd: string[], timeoutMs = 60_000) {
  const leader = await findLeader(id);
  if (!leader) throw new Error(`box ${id}: no leader process (not running?)`);
  return run('nsenter', ['-t', String(leader), '-m', '-p', '-u', '-i', '-n', '--', ...cmd], { allowFail: true, timeout: timeoutMs });
}

/** Units not active, and canary endpoints not answering 2xx: empty lists mean the stack is up. */
export async function stackHealth(host: HostDescription, units: string[]): Promise<{ inactive: string[]; failing: string[] }> {
  const r = await inBox(host.id, ['systemctl', 'is-active', ...units], 20_000);
  const states = r.stdout.split('\n');
  const inactive = units.filter((_u, i) => states[i] !== 'active');
  const failing = (await failingCanaryEndpoints(host.address, 80, 3000)).map((f) => f.path);
  return { inactive, failing };
}

export async function waitHealthy(host: HostDescription, units: string[], timeoutSec: number): Promise<{ inactive: string[]; failing: string[] }> {
  const deadline = Date.now() + timeoutSec * 1000;
  let h = await stackHealth(host, units);
  while ((h.inactive.length || h.failing.length) && Date.now() < deadline) { await sleep(1000); h = await stackHealth(host, units); }
  return h;
}

/** What the running services actually use (read back from them, not from the files). */
export async function effectiveSettings(host: HostDescription): Promise<Record<string, string>> {
  const psql = (q: string) => inBox(host.id, ['runuser', '-u', 'postgres', '--', 'psql', '-Atc', q], 20_000).then((r) => r.stdout.trim());
  const redis = (k: string) => inBox(host.id, ['redis-cli', 'config', 'get', k], 20_000).then((r) => r.stdout.trim().split('\n')[1] ?? '?');
  const procs = await inBox(host.id, ['ps', '-C', 'gunicorn', '-o', 'nlwp=,args='], 20_000);
  const gunicorn = procs.stdout.split('\n').filter((l) => l.trim());
  return {
    'postgres.shared_buffers': await psql('show shared_buffers'),
    'postgres.max_connections': await psql('show max_connections'),
    'postgres.work_mem': await psql('show work_mem'),
    'redis.maxmemory': await redis('maxmemory'),
    'redis.maxmemory-policy': await redis('maxmemory-policy'),
    // The arbiter plus its workers (gthread starts its threads on demand, so an idle count says nothing).
    'gunicorn.workers': String(Math.max(0, gunicorn.length - 1)),
  };
}

/** Writes the files into the running box's root and restarts the stack in dependency order, then waits for it. */
export async function applyFiles(host: HostDescription, files: RenderedFile[], units: string[]): Promise<void> {
  for (const f of files) {
    const dest = join(host.root, f.path);
    await readFile(dest); // must already exist in the image: a variant replaces, it never adds a file
    await writeFile(dest, f.content);
  }
  const r = await inBox(host.id, ['systemctl', 'restart', ...units], 120_000);
  if (r.exitCode !== 0) throw new Error(`box ${host.id}: restart failed: ${(r.stderr || r.stdout).slice(-400)}`);
}

/** Zeroes the box cgroup's peak so the next reading covers only what follows. */
export const resetPeak = (id: string) => writeFile(join(groupPath('memory', id), 'memory.max_usage_in_bytes'), '0');
export { memoryStats };

export interface BenchBox { host: HostDescription; variant: string; tier: Tier; units: string[]; bootMs: number; applyMs: number; effective: Record<string, string> }

export async function bootVariant(o: { tier: Tier; imageRef: string; distro: DistroProfile['id']; stateDir: string; id: string; cpus?: string; variant: string; files: RenderedFile[] | null; log: (l: string) => void }): Promise<BenchBox> {
  const units = stackUnits(o.distro);
  const t0 = Date.now();
  const host = await launch({ imageRef: o.imageRef, tier: o.tier.name, id: o.id, stateDir: o.stateDir, cpus: o.cpus, readyTimeoutSec: 240 });
  const bootMs = Date.now() - t0;
  // kiln's files are already the image's: it gets the same restart so every box starts equally fresh.
  if (o.files) await applyFiles(host, o.files, units); else await inBox(host.id, ['systemctl', 'restart', ...units], 120_000);
  const h = await waitHealthy(host, units, 90);
  if (h.inactive.length || h.failing.length) throw new Error(`box ${o.id} (${o.variant}): stack not healthy after applying: inactive [${h.inactive}] failing [${h.failing}]`);
  const effective = await effectiveSettings(host);
  o.log(`${o.tier.name}/${o.variant}: box ${o.id} up (boot ${Math.round(bootMs / 1000)} s, apply ${Math.round((Date.now() - t0 - bootMs) / 1000)} s): ${Object.entries(effective).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return { host, variant: o.variant, tier: o.tier, units, bootMs, applyMs: Date.now() - t0 - bootMs, effective };
}
