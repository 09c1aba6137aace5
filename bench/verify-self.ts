/**
 * Does the baseline gate cry wolf? Judges the same server against itself N times (interleaved A/B,
 * Mann-Whitney U + effect size, rerun once when inconclusive) and prints how many comparisons pass.
 * Target: at least 19 of 20. Usage: npx tsx bench/verify-self.ts [comparisons=20] [reps=5] [durationSec=1.5]
 * Env LATE_TOLERANCE_MS widens the generator's late-send tolerance on a busy machine (default: the generator's).
 */
import { loadavg } from 'node:os';
import { runBaselineComparison } from '../verify/baseline.ts';
import { runLoad } from '../verify/load/run.ts';
import { startNginx } from '../verify/load/testing/servers.ts';

const [n = 20, reps = 5, durationSec = 1.5] = process.argv.slice(2).map(Number);
const tolerance = process.env.LATE_TOLERANCE_MS ? Number(process.env.LATE_TOLERANCE_MS) : undefined;
const nginx = await startNginx();
// An interrupted bench still stops its nginx.
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    void nginx.stop().finally(() => process.exit(130));
  });
const outcomes: Record<string, number> = {};
let invalidRuns = 0;
let runs = 0;
const started = Date.now();
process.stderr.write(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n`,
);
try {
  for (let i = 0; i < n; i++) {
    const r = await runBaselineComparison(
      async () => {
        const res = await runLoad({
          host: '127.0.0.1',
          port: nginx.port,
          rps: 150,
          warmupSec: 0.5,
          durationSec,
          maxConnections: 32,
          timeoutMs: 3000,
          lateToleranceMs: tolerance,
          endpoints: [
            { name: 'health', path: '/health', weight: 3 },
            { name: 'static', path: '/static/canary.css', weight: 1 },
          ],
        });
        runs++;
        if (!res.valid) invalidRuns++;
        return res.valid ? { p95Ms: res.measure.latency.p95Ms, p99Ms: res.measure.latency.p99Ms } : null;
      },
      ['p95Ms', 'p99Ms'],
      reps,
    );
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    process.stderr.write(
      `#${i + 1}: ${r.outcome} (attempt ${r.attempt}) ${r.metrics.map((m) => `${m.metric} ${m.outcome} ${m.changePct ?? '-'}% p=${m.pValue ?? '-'}`).join('; ')}\n`,
    );
  }
} finally {
  await nginx.stop();
}
console.log(
  JSON.stringify({
    comparisons: n,
    repetitionsPerSide: reps,
    durationSec,
    lateToleranceMs: tolerance ?? 'default',
    passed: outcomes.pass ?? 0,
    outcomes,
    runs,
    invalidRuns,
    elapsedSec: Math.round((Date.now() - started) / 1000),
    loadAverageEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  }),
);
