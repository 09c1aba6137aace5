/**
 * Pure: the worst-case phase's findings as checks. Every planned part must have run at its size (a part that did not
 * proves nothing, so it fails), no process was OOM-killed, every endpoint answered afterwards, and on a whole machine
 * the lowest MemAvailable stayed at or above what the budget leaves free.
 */
import { error, fail, pass, type CheckResult } from '../checks/types.ts';
import type { MemorySummary } from '../memory/summary.ts';
import { machineShare, type MachineShare, type MemorySnapshot } from '../machine-memory.ts';
import type { WorstCasePlan } from './plan.ts';

/** phase.py's one JSON document. */
export interface PhaseReport {
  holdSec: number;
  elapsedSec: number;
  samples: number;
  memTotalMiB: number;
  memAvailableBeforeMiB: number;
  memAvailableMinMiB: number;
  atLowest: Record<string, number>;
  vmOomKills: number | null;
  parts: {
    postgres?: { sortConnections: number; maintenance: number; ok: boolean };
    web: { concurrency: number; ok: number; failed: number };
    nginx?: { connections: number; planned: number };
    redis?: { writtenMiB?: number; usedMemoryMiB?: number; errors?: number; planned: number };
  };
  /** snapshot.py's reading halfway through the hold: the OS share with everything at its limit. */
  loaded: MemorySnapshot | null;
  after: { method: string; path: string; status: number | null; expected: number | null; error: string | null }[];
  errors: string[];
}

/** nginx may refuse the last few of its connection count (its own upstream ones share it): 90 % held is the count. */
export const NGINX_HELD_SHARE = 0.9;

export interface WorstCaseInput {
  plan: WorstCasePlan;
  report: PhaseReport | null;
  /** Why there is no report (the script failed to run or printed no JSON). */
  runError?: string;
  /** The memory sampled on the box during the phase (OOM kills come from here: the box's cgroup, else the kernel). */
  memory: MemorySummary | null;
  /** A whole machine (VM, EC2): its MemAvailable is judged against the budget's free share; a container's is not its own. */
  wholeMachine: boolean;
  /** RAM the budget leaves free at the worst case (the manifest's headroomMiB). */
  headroomMiB: number;
  ramMiB: number;
  stackUnits: readonly string[];
}

const okStatus = (a: PhaseReport['after'][number]) =>
  a.status !== null && (a.expected ? a.status === a.expected : a.status >= 200 && a.status < 400);

export function judgeWorstCase(i: WorstCaseInput): CheckResult[] {
  const r = i.report;
  if (!r) return [error('worst-case:ran', `the worst-case phase did not run: ${i.runError ?? 'no report'}`)];
  const out: CheckResult[] = [];
  const p = r.parts;
  const shortfalls: string[] = [];
  if (i.plan.postgres) {
    if (!p.postgres || p.postgres.sortConnections < 1 || !p.postgres.ok)
      shortfalls.push(
        `postgres: ${p.postgres ? `${p.postgres.sortConnections} sorting backends, ${p.postgres.ok ? 'ok' : 'failed'}` : 'not started'}`,
      );
  }
  if (p.web.ok < 1) shortfalls.push(`gunicorn: no request answered by ${p.web.concurrency} clients (${p.web.failed} failed)`);
  if (i.plan.nginx && (!p.nginx || p.nginx.connections < Math.floor(i.plan.nginx.connections * NGINX_HELD_SHARE))) {
    shortfalls.push(`nginx: ${p.nginx?.connections ?? 0} of ${i.plan.nginx.connections} connections held`);
  }
  if (i.plan.redis && (!p.redis || (p.redis.writtenMiB ?? 0) < i.plan.redis.fillMiB)) {
    shortfalls.push(`redis: ${p.redis?.writtenMiB ?? 0} of ${i.plan.redis.fillMiB} MiB written`);
  }
  const ran =
    `${r.holdSec} s hold: postgres ${p.postgres ? `${p.postgres.sortConnections} backends sorting + 1 CREATE INDEX` : 'none'}, `
    + `gunicorn ${p.web.concurrency} clients (${p.web.ok} answered, ${p.web.failed} failed), nginx ${p.nginx ? `${p.nginx.connections} connections` : 'none'}, `
    + `redis ${p.redis ? `${p.redis.writtenMiB ?? 0} MiB written (used_memory ${p.redis.usedMemoryMiB ?? '?'} MiB)` : 'none'}`;
  // The clients' refusals are expected once nginx is full: the parts' own errors say more, so they come first.
  const ordered = [...r.errors.filter((e) => !e.startsWith('http ')), ...r.errors.filter((e) => e.startsWith('http '))];
  const errs = ordered.length ? `; ${ordered.slice(0, 3).join('; ')}` : '';
  out.push(
    shortfalls.length
      ? fail('worst-case:ran', `${ran}: short of the plan: ${shortfalls.join('; ')}${errs}`, r)
      : pass('worst-case:ran', ran, r),
  );

  const oom = i.memory?.oomKills ?? null;
  out.push(
    oom === null
      ? error('worst-case:oom-kills', 'no OOM kill count was read during the phase: unknown is not zero')
      : oom > 0
        ? fail('worst-case:oom-kills', `${oom} OOM kills on the box`, { oomKills: oom })
        : pass('worst-case:oom-kills', '0 OOM kills', { oomKills: 0 }),
  );

  const bad = r.after.filter((a) => !okStatus(a));
  out.push(
    bad.length
      ? fail(
          'worst-case:answering',
          `after the phase ${bad.map((a) => `${a.method} ${a.path} ${a.status ?? a.error ?? 'no answer'}${a.expected ? ` (expected ${a.expected})` : ''}`).join(', ')}`,
          r.after,
        )
      : pass('worst-case:answering', `after the phase all ${r.after.length} endpoints answered`, r.after),
  );

  if (i.wholeMachine) {
    const sampled = i.memory && Number.isFinite(i.memory.minMemAvailableMiB) ? i.memory.minMemAvailableMiB : Infinity;
    const low = Math.round(Math.min(r.memAvailableMinMiB, sampled) * 10) / 10;
    let loaded: MachineShare | null = null;
    try {
      loaded = r.loaded ? machineShare(r.loaded, i.ramMiB, i.stackUnits) : null;
    } catch {
      loaded = null;
    }
    const share = loaded
      ? `; halfway: OS share ${loaded.osShareMiB} MiB (kernel in use ${loaded.kernelUsedMiB}, OS processes ${loaded.osUserlandMiB}), stack ${loaded.stackMiB} MiB`
      : '';
    const detail = `lowest MemAvailable ${low} MiB (before ${r.memAvailableBeforeMiB} of MemTotal ${r.memTotalMiB}); the budget leaves ${i.headroomMiB} MiB free${share}`;
    const data = { lowMiB: low, headroomMiB: i.headroomMiB, loaded };
    out.push(
      !Number.isFinite(low) || r.samples < 1
        ? error('worst-case:available', 'MemAvailable was not sampled during the phase')
        : low < i.headroomMiB
          ? fail('worst-case:available', detail, data)
          : pass('worst-case:available', detail, data),
    );
  }
  return out;
}
