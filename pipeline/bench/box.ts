/**
 * One bench box: the tier's image (kiln's canary image, or a team's release) booted pinned, the app's seed run once,
 * then a variant's config files written over the image's (same paths, in place, so owner and mode stay the image's)
 * and the stack's units (the image's own, from its bundle) restarted so they read them.
 */
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tier } from '../../images/tiers.ts';
import { launch, memoryStats, type BoxHostDescription } from '../../targets/local/index.ts';
import { findLeader } from '../../targets/local/box.ts';
import { run } from '../../targets/local/exec.ts';
import { groupPath } from '../../targets/local/cgroup.ts';
import type { RenderedFile } from '../../images/render-types.ts';
import { failingEndpoints } from '../../verify/endpoint-probe.ts';
import { validateHost } from '../../model/host.ts';
import { runSeed } from '../../verify/seed.ts';
import { SshSession } from '../../verify/ssh.ts';
import type { Workload } from './workload.ts';

/** What a box's health is judged on: its stack's units and the endpoints its workload answers. */
export type BoxStack = Pick<Workload, 'units' | 'probe' | 'hostHeader'>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command inside the box (its mount, pid, net, uts, ipc namespaces; not its cgroups), bounded. */
export async function inBox(id: string, cmd: string[], timeoutMs = 60_000) {
  const leader = await findLeader(id);
  if (!leader) throw new Error(`box ${id}: no leader process (not running?)`);
  return run('nsenter', ['-t', String(leader), '-m', '-p', '-u', '-i', '-n', '--', ...cmd], { allowFail: true, timeout: timeoutMs });
}

/** Units not active, and endpoints not answering their expected status: empty lists mean the stack is up. */
export async function stackHealth(host: BoxHostDescription, stack: BoxStack): Promise<{ inactive: string[]; failing: string[] }> {
  const r = await inBox(host.id, ['systemctl', 'is-active', ...stack.units], 20_000);
  const states = r.stdout.split('\n');
  const inactive = stack.units.filter((_u, i) => states[i] !== 'active');
  const failing = (await failingEndpoints(host.address, stack.probe, 80, 3000, stack.hostHeader)).map((f) => f.path);
  return { inactive, failing };
}

export async function waitHealthy(
  host: BoxHostDescription,
  timeoutSec: number,
  stack: BoxStack,
): Promise<{ inactive: string[]; failing: string[] }> {
  const deadline = Date.now() + timeoutSec * 1000;
  let h = await stackHealth(host, stack);
  while ((h.inactive.length || h.failing.length) && Date.now() < deadline) {
    await sleep(1000);
    h = await stackHealth(host, stack);
  }
  return h;
}

/** The app's seed, once, over SSH as nightly and gate run it (inside the box's cgroup, as the app user); throws when it fails. */
export async function seedBox(host: BoxHostDescription, seed: readonly string[] | null): Promise<void> {
  if (!seed?.length) return;
  const session = await SshSession.connect(validateHost(host));
  try {
    const r = await runSeed(session, seed);
    if (r && r.status !== 'pass') throw new Error(`box ${host.id}: the seed failed: ${r.evidence}`);
  } finally {
    session.close();
  }
}

/** What the running services actually use (read back from them, not from the files); only the services the image runs. */
export async function effectiveSettings(host: BoxHostDescription, services: Workload['services']): Promise<Record<string, string>> {
  const psql = (q: string) => inBox(host.id, ['runuser', '-u', 'postgres', '--', 'psql', '-Atc', q], 20_000).then((r) => r.stdout.trim());
  const redis = (k: string) => inBox(host.id, ['redis-cli', 'config', 'get', k], 20_000).then((r) => r.stdout.trim().split('\n')[1] ?? '?');
  const procs = await inBox(host.id, ['ps', '-C', 'gunicorn', '-o', 'nlwp=,args='], 20_000);
  const gunicorn = procs.stdout.split('\n').filter((l) => l.trim());
  return {
    ...(services.includes('postgres')
      ? {
          'postgres.shared_buffers': await psql('show shared_buffers'),
          'postgres.max_connections': await psql('show max_connections'),
          'postgres.work_mem': await psql('show work_mem'),
        }
      : {}),
    ...(services.includes('redis')
      ? {
          'redis.maxmemory': await redis('maxmemory'),
          'redis.maxmemory-policy': await redis('maxmemory-policy'),
        }
      : {}),
    // The arbiter plus its workers (gthread starts its threads on demand, so an idle count says nothing).
    'gunicorn.workers': String(Math.max(0, gunicorn.length - 1)),
  };
}

/** Writes the files into the running box's root and restarts the stack in dependency order, then waits for it. */
export async function applyFiles(host: BoxHostDescription, files: RenderedFile[], units: readonly string[]): Promise<void> {
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

export interface BenchBox {
  host: BoxHostDescription;
  variant: string;
  tier: Tier;
  workload: Workload;
  bootMs: number;
  applyMs: number;
  effective: Record<string, string>;
}

export async function bootVariant(o: {
  tier: Tier;
  imageRef: string;
  stateDir: string;
  id: string;
  cpus?: string;
  variant: string;
  files: RenderedFile[] | null;
  workload: Workload;
  log: (l: string) => void;
}): Promise<BenchBox> {
  const t0 = Date.now();
  const host = await launch({
    imageRef: o.imageRef,
    tier: o.tier.name,
    id: o.id,
    stateDir: o.stateDir,
    cpus: o.cpus,
    readyTimeoutSec: 240,
  });
  const bootMs = Date.now() - t0;
  const { units } = o.workload;
  // Seeded under the image's own config, before the variant's: the data is the same whatever config serves it.
  await seedBox(host, o.workload.seed);
  // kiln's files are already the image's: it gets the same restart so every box starts equally fresh.
  if (o.files) await applyFiles(host, o.files, units);
  else await inBox(host.id, ['systemctl', 'restart', ...units], 120_000);
  const h = await waitHealthy(host, 90, o.workload);
  if (h.inactive.length || h.failing.length)
    throw new Error(`box ${o.id} (${o.variant}): stack not healthy after applying: inactive [${h.inactive}] failing [${h.failing}]`);
  const effective = await effectiveSettings(host, o.workload.services);
  o.log(
    `${o.tier.name}/${o.variant}: box ${o.id} up (boot ${Math.round(bootMs / 1000)} s, ${o.workload.seed ? 'seed + ' : ''}apply ${Math.round((Date.now() - t0 - bootMs) / 1000)} s): ${Object.entries(
      effective,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  return { host, variant: o.variant, tier: o.tier, workload: o.workload, bootMs, applyMs: Date.now() - t0 - bootMs, effective };
}
