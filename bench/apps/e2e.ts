/**
 * A team's real app through kiln, end to end on the local target, as a user runs it: `kiln nightly --tiers T
 * --recipe` (base lane + release lane: baked on the promoted base, its memory measured, tuned, verified under its
 * own traffic, promoted), then `kiln gate` with a rebuild of the same app (must pass) and with +20 ms in one of its
 * views (must fail). Prints a table of what happened and the figures; exit 1 when any outcome is not the expected one.
 *
 *   npx tsx bench/apps/e2e.ts APP[,APP...] [TIER=small] [STATE_DIR]      APP: wagtail | pretix
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../targets/local/paths.ts';
import { buildApp, APP_KINDS, type AppKind } from './build.ts';

const [appsArg, tier = 'small', stateArg] = process.argv.slice(2);
if (!appsArg) {
  process.stderr.write(`usage: npx tsx bench/apps/e2e.ts APP[,APP...] [TIER] [STATE_DIR]   (APP: ${APP_KINDS.join(' | ')})\n`);
  process.exit(2);
}
const stateDir = resolve(stateArg ?? join(REPO_ROOT, '.kiln/e2e-state'));
const work = join(stateDir, 'apps');
await mkdir(work, { recursive: true });

interface Row { app: string; step: string; expected: string; got: string; ok: boolean; sec: number; detail: string }
const rows: Row[] = [];

async function kiln(args: string[]): Promise<{ code: number; doc: any; stderr: string; sec: number }> {
  const t0 = Date.now();
  const r = await execa('npx', ['tsx', 'cli/cli.ts', ...args, '--state-dir', stateDir, '--json'], { cwd: REPO_ROOT, reject: false, stderr: ['pipe', 'inherit'] });
  let doc: any = null;
  try { doc = r.stdout ? JSON.parse(r.stdout) : null; } catch { doc = null; }
  return { code: r.exitCode ?? -1, doc, stderr: String(r.stderr ?? ''), sec: Math.round((Date.now() - t0) / 1000) };
}

for (const kind of appsArg.split(',') as AppKind[]) {
  const dir = join(work, kind);
  const { recipePath } = await buildApp(kind, join(dir, 'app'), {});
  const night = await kiln(['nightly', '--tiers', tier, '--recipe', recipePath]);
  const lane = night.doc?.tiers?.find((t: { tier: string }) => t.tier.includes('.'));
  rows.push({ app: kind, step: `nightly --tiers ${tier} --recipe`, expected: 'exit 0, release promoted', got: `exit ${night.code}, ${lane?.decision ?? '?'}`,
    ok: night.code === 0 && lane?.decision === 'promoted', sec: night.sec,
    detail: lane ? `p95 ${lane.p95Ms} ms, p99 ${lane.p99Ms} ms, ${lane.achievedRps}/${lane.targetRps} req/s, peak ${lane.memoryPeakMiB} MiB; ${lane.reason ?? ''}` : night.stderr.slice(-300) });
  const ledger = night.doc?.ledger ? JSON.parse(await readFile(night.doc.ledger, 'utf8')) : null;
  const profile = ledger ? Object.entries(ledger.steps).find(([k]) => k.includes('.'))?.[1] as any : null;
  if (profile?.profile?.outputs?.note) rows.push({ app: kind, step: 'measured profile', expected: '-', got: JSON.stringify(profile.profile.outputs.profile), ok: true, sec: profile.profile.elapsedSec ?? 0, detail: profile.profile.outputs.note });
  if (!(night.code === 0 && lane?.decision === 'promoted')) continue;

  // A rebuild: the same app, built again (a changed comment), must pass and become the release.
  const rebuild = join(dir, 'rebuild');
  await cp(join(dir, 'app'), rebuild, { recursive: true });
  await writeFile(join(rebuild, 'REBUILD'), `rebuilt ${new Date().toISOString()}\n`);
  const pass = await kiln(['gate', '--tier', tier, '--recipe', join(rebuild, recipePath.slice(join(dir, 'app').length + 1)), '--report', join(dir, 'gate-rebuild')]);
  rows.push({ app: kind, step: 'gate: a rebuild', expected: 'exit 0', got: `exit ${pass.code}`, ok: pass.code === 0, sec: pass.sec, detail: gateDetail(pass.doc) });

  // +20 ms in a view the traffic exercises must fail on latency.
  const slow = await buildApp(kind, join(dir, 'slow'), { slowMs: 20 });
  const fail = await kiln(['gate', '--tier', tier, '--recipe', slow.recipePath, '--report', join(dir, 'gate-slow')]);
  rows.push({ app: kind, step: 'gate: +20 ms in a view', expected: 'exit 1, latency', got: `exit ${fail.code}`, ok: fail.code === 1 && /latency regression/.test((fail.doc?.reasons ?? []).join(' ')), sec: fail.sec, detail: gateDetail(fail.doc) });
}

function gateDetail(doc: any): string {
  if (!doc) return 'no result';
  const lat = [...(doc.latencyMedian ? [doc.latencyMedian] : []), ...(doc.latency?.metrics ?? [])].map((m: any) => `${m.metric} ${m.baselineMedian}->${m.candidateMedian} (${m.outcome})`).join(', ');
  const mem = (doc.memory?.metrics ?? []).map((m: any) => `${m.metric} ${m.previous}->${m.candidate}`).join(', ');
  return `${lat}; ${mem}; candidate bake ${doc.candidate?.bakeSec} s${doc.reasons?.length ? `; ${doc.reasons.slice(0, 2).join('; ')}` : ''}`;
}

process.stdout.write(`| app | step | expected | got | s | figures |\n|---|---|---|---|---|---|\n${rows.map((r) => `| ${r.app} | ${r.step} | ${r.expected} | ${r.ok ? '✔' : '✘'} ${r.got} | ${r.sec} | ${r.detail.replace(/\|/g, '/')} |`).join('\n')}\n`);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
