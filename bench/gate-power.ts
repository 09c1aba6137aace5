/**
 * How often is the gate right? Runs `kiln gate` N times for each case on the local target, with a site from Django's
 * own project template released on a tier (`kiln nightly --recipe`, done once and kept in STATE_DIR), and prints for
 * each case how often the gate caught the injected regression (or, for identical builds, failed one), by which
 * metric, the median gate time, and how many gates met an inconclusive comparison or an invalid load run.
 *
 *   npx tsx bench/gate-power.ts [N=20] [CASES=identical,slow,cpu,memory] [TIER=nano] [STATE_DIR=.kiln/gate-power]
 *     env DURATION_SEC, WARMUP_SEC, REPETITIONS, LATE_TOLERANCE_MS: passed to kiln gate (default: the gate's own)
 *     env BUSY_MS: the CPU case's busy work per login request (default: calibrated, see below)
 *
 * Cases (each a copy of the released site with one change to its login view, which gets half of the traffic):
 *   identical  the same source: the gate must pass (an A/A run, the same image on both boxes)
 *   slow       +20 ms slept in the login view: latency
 *   cpu        busy work in the login view sized to +15 % of the box's CPU per request measured by the identical
 *              gates (busy ms = 0.15 x CPU ms per request / 0.5): CPU per request
 *   memory     30 MiB kept per gunicorn worker from its first login request on: stack memory
 * Every gate's result is appended to STATE_DIR/gate-power/results.jsonl as it ends, so an interrupted run keeps its
 * gates; the table is printed from that file for the gates of this run.
 */
import { appendFile, cp, mkdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../targets/local/paths.ts';
import { localTarget } from '../targets/local/target.ts';
import { type LoginRegression, regressLogin, startprojectSite } from './apps/startproject.ts';

const CASES = ['identical', 'slow', 'cpu', 'memory'] as const;
type Case = (typeof CASES)[number];
/** What a caught regression must be named by: the gate failing for another reason is not a detection. */
const EXPECTED: Record<Case, RegExp | null> = {
  identical: null,
  slow: /^latency regression/,
  cpu: /^cpu regression/,
  memory: /^memory regression/,
};
const LOGIN_SHARE = 0.5; // the site's traffic: /admin/login/ weight 5 of 10
const CPU_STEP = 0.15;

const [nArg = '20', casesArg = CASES.join(','), tierName = 'nano', stateArg] = process.argv.slice(2);
const n = Number(nArg);
const cases = casesArg.split(',') as Case[];
if (!Number.isInteger(n) || n < 1 || cases.some((c) => !CASES.includes(c))) {
  process.stderr.write(`usage: npx tsx bench/gate-power.ts [N>=1] [CASES from ${CASES.join(',')}] [TIER] [STATE_DIR]\n`);
  process.exit(2);
}
const stateDir = resolve(stateArg ?? join(REPO_ROOT, '.kiln/gate-power'));
const work = join(stateDir, 'gate-power');
const results = join(work, 'results.jsonl');
const runId = new Date().toISOString();
await mkdir(work, { recursive: true });
const say = (line: string) => process.stderr.write(`[gate-power ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function kiln(args: string[], log: string): Promise<{ code: number; doc: any; stderr: string; sec: number }> {
  const t0 = Date.now();
  // node itself, not npx: a SIGTERM to this bench then reaches the gate, which destroys its boxes before it exits.
  const r = await execa(process.execPath, ['--import', 'tsx', 'cli/cli.ts', ...args, '--state-dir', stateDir, '--json'], {
    cwd: REPO_ROOT,
    reject: false,
  });
  await appendFile(log, `$ kiln ${args.join(' ')}\n${r.stderr}\n`);
  let doc: any = null;
  try {
    doc = r.stdout ? JSON.parse(r.stdout) : null;
  } catch {
    doc = null;
  }
  return { code: r.exitCode ?? -1, doc, stderr: String(r.stderr ?? ''), sec: Math.round((Date.now() - t0) / 100) / 10 };
}

// The site's first release on the tier, once per state dir: base lane and release lane, promoted.
const site = join(work, 'site');
const channel = `${tierName}.mysite`;
if (!(await localTarget({ stateDir }).promoted(channel))) {
  say(`releasing the site on ${tierName} (kiln nightly --recipe) ...`);
  await startprojectSite(site);
  const night = await kiln(['nightly', '--tiers', tierName, '--recipe', join(site, 'kiln.yaml')], join(work, 'setup.log'));
  if (night.code !== 0) {
    say(`kiln nightly exited ${night.code}: see ${join(work, 'setup.log')}`);
    process.exit(1);
  }
}
say(`previous release: ${(await localTarget({ stateDir }).promoted(channel))!.ref}`);

const gateArgs = [
  ['--duration-sec', process.env.DURATION_SEC],
  ['--warmup-sec', process.env.WARMUP_SEC],
  ['--repetitions', process.env.REPETITIONS],
  ['--late-tolerance-ms', process.env.LATE_TOLERANCE_MS],
].flatMap(([flag, value]) => (value ? [flag!, value] : []));

interface GateRow {
  runId: string;
  case: Case;
  i: number;
  change: LoginRegression;
  code: number;
  decision: string;
  caught: boolean;
  /** The metrics that failed, e.g. latency:p50Ms, cpu:cpuMsPerRequest, memory:servicesPssSteadyMiB. */
  failed: string[];
  inconclusive: boolean;
  invalidRuns: number;
  wallSec: number;
  cpuPrevious: number | null;
  changePct: Record<string, number | null>;
  reasons: string[];
}

function row(c: Case, i: number, change: LoginRegression, g: Awaited<ReturnType<typeof kiln>>): GateRow {
  const d = g.doc ?? {};
  const ab = [...(d.latencyMedian ? [d.latencyMedian] : []), ...(d.latency?.metrics ?? []), ...(d.cpu ? [d.cpu] : [])];
  const failed = [
    ...ab.filter((m: any) => m.outcome !== 'ok').map((m: any) => `${m.metric === 'cpuMsPerRequest' ? 'cpu' : 'latency'}:${m.metric}`),
    ...(d.memory?.metrics ?? []).filter((m: any) => m.outcome !== 'ok').map((m: any) => `memory:${m.metric}`),
  ];
  const reasons: string[] = d.reasons ?? [`no gate result (exit ${g.code}): ${g.stderr.slice(-300)}`];
  const expected = EXPECTED[c];
  return {
    runId,
    case: c,
    i,
    change,
    code: g.code,
    decision: d.decision ?? 'none',
    caught: expected ? g.code === 1 && reasons.some((r) => expected.test(r)) : g.code !== 0,
    failed,
    inconclusive: ab.some((m: any) => m.outcome === 'inconclusive') || (d.latency?.attempt ?? 1) > 1,
    invalidRuns: (g.stderr.match(/load run on \S+ invalid/g) ?? []).length,
    wallSec: d.wallSec ?? g.sec,
    cpuPrevious: d.cpu?.baselineMedian ?? null,
    changePct: Object.fromEntries([
      ...ab.map((m: any) => [m.metric, m.changePct]),
      ...(d.memory?.metrics ?? []).map((m: any) => [m.metric, m.metric === 'servicesPssSlopeMiBPerMin' ? m.candidate : m.changePct]),
    ]),
    reasons,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function changeFor(c: Case, done: GateRow[]): Promise<LoginRegression> {
  if (c === 'identical') return {};
  if (c === 'slow') return { sleepMs: 20 };
  if (c === 'memory') return { retainMiB: 30 };
  if (process.env.BUSY_MS) return { busyMs: Number(process.env.BUSY_MS) };
  const cpu = done.filter((r) => r.case === 'identical' && r.cpuPrevious !== null).map((r) => r.cpuPrevious!);
  if (cpu.length === 0) throw new Error('the cpu case is sized from the identical gates: run identical first, or set BUSY_MS');
  return { busyMs: Math.round(((CPU_STEP * median(cpu)) / LOGIN_SHARE) * 100) / 100 };
}

say(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const done: GateRow[] = [];
for (const c of cases) {
  const change = await changeFor(c, done);
  const dir = join(work, c);
  await rm(dir, { recursive: true, force: true });
  await cp(site, dir, { recursive: true });
  if (c !== 'identical') await regressLogin(dir, 'mysite', change);
  say(`${c}: ${JSON.stringify(change)} x ${n}`);
  for (let i = 1; i <= n; i++) {
    const g = await kiln(
      [
        'gate',
        '--tier',
        tierName,
        '--recipe',
        join(dir, 'kiln.yaml'),
        '--no-promote',
        '--report',
        join(work, 'reports', `${c}-${i}`),
        ...gateArgs,
      ],
      join(work, `${c}.log`),
    );
    const r = row(c, i, change, g);
    done.push(r);
    await appendFile(results, `${JSON.stringify(r)}\n`);
    say(`${c} ${i}/${n}: exit ${r.code} ${r.failed.join(',') || 'all ok'} in ${r.wallSec} s`);
  }
}

const pct = (xs: (number | null | undefined)[]) => {
  const v = xs.filter((x): x is number => typeof x === 'number');
  return v.length ? `${median(v) >= 0 ? '+' : ''}${median(v).toFixed(1)}` : '-';
};
const lines = [
  '| case | injected | gates | caught (or failed, identical) | failed metrics | median gate s | inconclusive | invalid runs | median change: p50 / p95 / CPU per req / steady PSS (%) |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const c of cases) {
  const rs = done.filter((r) => r.case === c);
  if (!rs.length) continue;
  const counts: Record<string, number> = {};
  for (const r of rs) for (const f of r.failed) counts[f] = (counts[f] ?? 0) + 1;
  lines.push(
    `| ${c} | ${JSON.stringify(rs[0].change).replace(/"/g, '')} | ${rs.length} | ${rs.filter((r) => r.caught).length} of ${rs.length} | ${
      Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    } | ${median(rs.map((r) => r.wallSec)).toFixed(0)} | ${rs.filter((r) => r.inconclusive).length} | ${rs.reduce((s, r) => s + r.invalidRuns, 0)} | ${[
      'p50Ms',
      'p95Ms',
      'cpuMsPerRequest',
      'servicesPssSteadyMiB',
    ]
      .map((m) => pct(rs.map((r) => r.changePct[m])))
      .join(' / ')} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
say(`results: ${results}`);
