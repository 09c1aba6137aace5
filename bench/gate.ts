/**
 * `kiln gate` figures on this host: the canary against itself, then the canary with +N ms in /health, both on one
 * image. Prints wall time, the A/B medians/p-values and the memory comparison per case.
 * Usage: npx tsx bench/gate.ts STATE_DIR IMAGE_REF [sleepMs=20] [durationSec=5] [lateToleranceMs=50]
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../targets/local/paths.ts';
import { CANARY_DIR } from '../scripts/flows/app-build.ts';

const [stateDir, ref, sleepMs = '20', durationSec = '5', lateMs = '50'] = process.argv.slice(2);
const work = await mkdtemp(join(REPO_ROOT, '.kiln/bench-gate-'));
try {
  const slow = join(work, 'canary-slow');
  await cp(CANARY_DIR, slow, { recursive: true });
  const views = join(slow, 'kiln_canary/views.py');
  const text = await readFile(views, 'utf8');
  await writeFile(views, `import time\n${text.replace('def health(_request):\n', `def health(_request):\n    time.sleep(${Number(sleepMs) / 1000})\n`)}`);
  for (const [label, app] of [['canary vs canary', CANARY_DIR], [`+${sleepMs} ms /health vs canary`, slow]] as const) {
    const r = await execa('npx', ['tsx', 'scripts/cli.ts', 'gate', '--tier', 'nano', '--state-dir', stateDir, '--image', ref, '--app', app, '--previous', CANARY_DIR,
      '--duration-sec', durationSec, '--warmup-sec', '1', '--late-tolerance-ms', lateMs, '--json'], { cwd: REPO_ROOT, reject: false });
    const d = JSON.parse(r.stdout);
    console.log(JSON.stringify({
      case: label, exitCode: r.exitCode, decision: d.decision, wallSec: d.wallSec,
      latency: [...(d.latencyMedian ? [d.latencyMedian] : []), ...(d.latency?.metrics ?? [])].map((m: { metric: string; baselineMedian: number; candidateMedian: number; changePct: number; pValue: number; outcome: string }) =>
        `${m.metric} ${m.baselineMedian} -> ${m.candidateMedian} ms (${m.changePct}%, p=${m.pValue}) ${m.outcome}`),
      attempt: d.latency?.attempt,
      memory: d.memory?.metrics.map((m: { metric: string; evidence: string }) => `${m.metric} ${m.evidence}`),
      reasons: d.reasons,
    }, null, 1));
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
