import { describe, expect, it } from 'vitest';
import { buildCatalog, findTier } from '../../images/catalog.ts';
import { DISTROS } from '../../images/distro.ts';
import { render } from '../../images/render.ts';
import { WEB } from '../../images/web.ts';
import { machineShare, osShareCheck, type MemorySnapshot } from '../machine-memory.ts';
import type { MemorySummary } from '../memory/summary.ts';
import { judgeWorstCase, type PhaseReport, type WorstCaseInput } from './judge.ts';
import { REDIS_FILL_FACTOR, worstCasePlan, type BundleSettings } from './plan.ts';

const nano = render(findTier(buildCatalog(), 'nano'), WEB, DISTROS.debian13);
const settings = nano.context.s as BundleSettings;
const endpoints = [
  { name: 'health', path: '/health', weight: 1 },
  { name: 'post', path: '/form', weight: 1, method: 'POST' as const, body: 'a=1', status: 201 },
];
const plan = worstCasePlan({ settings, services: WEB.services, endpoints, hostHeader: 'localhost', port: 80, holdSec: 20 });
const UNITS = ['kiln-app.service', 'postgresql@17-main.service'];

describe('worst-case plan: sized from the settings the image was baked with', () => {
  it('every gunicorn thread, every Postgres slot, Redis past maxmemory, nginx near its count', () => {
    const s = nano.context.s as Record<string, Record<string, number>>;
    expect(plan.web.concurrency).toBe(s.gunicorn!.workers! * s.gunicorn!.threads!);
    expect(plan.postgres?.maxConnections).toBe(s.postgres!.max_connections);
    // Four times work_mem's worth of ~100-byte rows: the sort spills, so it uses all of work_mem.
    expect(plan.postgres!.sortRows * 100).toBeGreaterThanOrEqual(s.postgres!.work_mem_kib! * 1024 * 4);
    expect(plan.redis?.fillMiB).toBe(Math.ceil(s.redis!.maxmemory_mib! * REDIS_FILL_FACTOR));
    const total = s.nginx!.worker_processes! * s.nginx!.worker_connections!;
    expect(plan.nginx!.connections).toBeGreaterThan(total * 0.7);
    expect(plan.nginx!.connections).toBeLessThan(total - 2 * plan.web.concurrency);
    expect(plan.web.endpoints).toEqual([
      { method: 'GET', path: '/health' },
      { method: 'POST', path: '/form', body: 'a=1', status: 201 },
    ]);
  });

  it('leaves out the services the image does not run, and refuses settings that lack a size', () => {
    const p = worstCasePlan({ settings, services: ['pgbouncer'], endpoints, hostHeader: 'h', port: 80, holdSec: 5 });
    expect(p.postgres).toBeUndefined();
    expect(p.redis).toBeUndefined();
    const { gunicorn: _g, ...noGunicorn } = settings;
    expect(() => worstCasePlan({ settings: noGunicorn, services: WEB.services, endpoints, hostHeader: 'h', port: 80, holdSec: 5 })).toThrow(
      /gunicorn\.workers/,
    );
  });
});

const snapshot = (availableMiB: number, appMiB: number): MemorySnapshot => ({
  meminfo: { MemTotal: 468.8, MemAvailable: availableMiB, SUnreclaim: 11.6, PageTables: 2.1, KernelStack: 1.4 },
  groups: {
    'kiln-app.service': { anonMiB: appMiB, shmemMiB: 0, processes: 3 },
    'postgresql@17-main.service': { anonMiB: 14, shmemMiB: 37, processes: 9 },
    'systemd-journald.service': { anonMiB: 1.3, shmemMiB: 0, processes: 1 },
    systemd: { anonMiB: 3.1, shmemMiB: 0, processes: 1 },
  },
});

describe('machine share: the OS is what is neither available nor the stack', () => {
  it('splits a snapshot and holds the OS share to the reserve', () => {
    const s = machineShare(snapshot(339, 73), 512, UNITS);
    expect(s).toMatchObject({ kernelKeptMiB: 43.2, kernelUsedMiB: 15.1, stackMiB: 124, osUserlandMiB: 4.4, osShareMiB: 49 });
    expect(osShareCheck(s, 61).status).toBe('pass');
    const over = osShareCheck(machineShare(snapshot(300, 73), 512, UNITS), 61);
    expect(over.status).toBe('fail');
    expect(over.evidence).toMatch(/OS share 88 MiB .* reserved 61 MiB: over by 27 MiB/);
  });

  it('a meminfo without the kernel fields cannot judge: it throws (the caller makes that an error)', () => {
    expect(() => machineShare({ meminfo: { MemTotal: 1 }, groups: {} }, 512, UNITS)).toThrow(/MemAvailable/);
  });
});

const report = (over: Partial<PhaseReport> = {}): PhaseReport => ({
  holdSec: 20,
  elapsedSec: 60,
  samples: 40,
  memTotalMiB: 468.8,
  memAvailableBeforeMiB: 255,
  memAvailableMinMiB: 210,
  atLowest: {},
  vmOomKills: 0,
  loaded: snapshot(215, 110),
  parts: {
    postgres: { sortConnections: 4, maintenance: 1, ok: true },
    web: { concurrency: 32, ok: 3000, failed: 0 },
    nginx: { connections: plan.nginx!.connections, planned: plan.nginx!.connections },
    redis: { writtenMiB: plan.redis!.fillMiB, usedMemoryMiB: 26, errors: 0, planned: plan.redis!.fillMiB },
  },
  after: [
    { method: 'GET', path: '/health', status: 200, expected: null, error: null },
    { method: 'POST', path: '/form', status: 201, expected: 201, error: null },
  ],
  errors: [],
  ...over,
});
const memory = (oomKills: number | null, minMemAvailableMiB = 212) => ({ oomKills, minMemAvailableMiB }) as MemorySummary;
const judge = (over: Partial<WorstCaseInput>) =>
  judgeWorstCase({
    plan,
    report: report(),
    memory: memory(0),
    wholeMachine: true,
    headroomMiB: 90,
    ramMiB: 512,
    stackUnits: UNITS,
    ...over,
  });
const status = (checks: ReturnType<typeof judge>) => Object.fromEntries(checks.map((c) => [c.id, c.status]));

describe('worst-case judgement', () => {
  it('passes when every part ran, nothing was OOM-killed, everything answers and MemAvailable kept the headroom', () => {
    const c = judge({});
    expect(status(c)).toEqual({
      'worst-case:ran': 'pass',
      'worst-case:oom-kills': 'pass',
      'worst-case:answering': 'pass',
      'worst-case:available': 'pass',
    });
    expect(c.find((x) => x.id === 'worst-case:available')!.evidence).toMatch(
      /lowest MemAvailable 210 MiB .* leaves 90 MiB free; halfway: OS share/,
    );
  });

  it('fails on an OOM kill, and an unknown OOM count is an error, never a pass', () => {
    expect(status(judge({ memory: memory(2) }))['worst-case:oom-kills']).toBe('fail');
    expect(status(judge({ memory: memory(null) }))['worst-case:oom-kills']).toBe('error');
    expect(status(judge({ memory: null }))['worst-case:oom-kills']).toBe('error');
  });

  it('fails when MemAvailable fell below what the budget leaves free, judged on whole machines only', () => {
    expect(status(judge({ report: report({ memAvailableMinMiB: 80 }) }))['worst-case:available']).toBe('fail');
    expect(status(judge({ memory: memory(0, 70) }))['worst-case:available']).toBe('fail');
    expect(status(judge({ report: report({ samples: 0 }) }))['worst-case:available']).toBe('error');
    expect(status(judge({ wholeMachine: false, report: report({ memAvailableMinMiB: 10 }) }))['worst-case:available']).toBeUndefined();
  });

  it('a part that did not reach its size proves nothing: the phase fails', () => {
    const short = (parts: Partial<PhaseReport['parts']>) =>
      status(judge({ report: report({ parts: { ...report().parts, ...parts } }) }))['worst-case:ran'];
    expect(short({ redis: { writtenMiB: 3, planned: plan.redis!.fillMiB } })).toBe('fail');
    expect(short({ postgres: { sortConnections: 0, maintenance: 0, ok: false } })).toBe('fail');
    expect(short({ postgres: { sortConnections: 4, maintenance: 1, ok: false } })).toBe('fail');
    expect(short({ nginx: { connections: 10, planned: plan.nginx!.connections } })).toBe('fail');
    expect(short({ web: { concurrency: 32, ok: 0, failed: 500 } })).toBe('fail');
  });

  it('an endpoint that does not answer as it should afterwards fails; no report at all is an error', () => {
    const after = [{ method: 'POST', path: '/form', status: 200, expected: 201, error: null }];
    const c = judge({ report: report({ after }) });
    expect(status(c)['worst-case:answering']).toBe('fail');
    expect(c.find((x) => x.id === 'worst-case:answering')!.evidence).toContain('POST /form 200 (expected 201)');
    expect(judge({ report: null, runError: 'exit 1: Traceback' })).toEqual([
      expect.objectContaining({ id: 'worst-case:ran', status: 'error' }),
    ]);
  });
});
