/**
 * `kiln verify` against a real booted local box: launches IMAGE_REF from STATE_DIR as tier T, verifies it
 * (checks over SSH, judged load at the tier's target rate, memory from the box's cgroup and over SSH),
 * writes the report, destroys the box, and prints the decision, reasons and headline figures.
 * Usage: npx tsx bench/verify-local-box.ts STATE_DIR IMAGE_REF [REPORT_DIR] [durationSec=20]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalog, findTier } from '../images/catalog.ts';
import { destroy, findImage, launch } from '../targets/local/index.ts';
import { verifyCommand } from '../verify/command.ts';
import { lineageFromLocalImage } from '../verify/defaults.ts';
import { validateHost } from '../verify/host.ts';

const [stateDir, ref, reportDir = join(stateDir, 'verify-report'), durationArg = '20'] = process.argv.slice(2);
const image = await findImage(stateDir, ref);
const tier = findTier(buildCatalog(), image.tier);
const manifestFile = join(stateDir, 'images', `${ref}.render-manifest.json`);
const baked = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: { path: string; sha256: string }[] };
const id = `vfy${process.pid % 100000}`;
const log = (l: string) => process.stderr.write(`${l}\n`);
let launched = false;
try {
  const t0 = Date.now();
  const raw = await launch({ imageRef: ref, tier: tier.name, id, stateDir, readyTimeoutSec: 240 });
  launched = true;
  log(`launched ${id} in ${Date.now() - t0} ms`);
  const host = validateHost(raw);
  const r = await verifyCommand({
    host, tier, lineage: lineageFromLocalImage(image), baselineRequired: false, reportDir, log,
    shape: { warmupSec: 5, durationSec: Number(durationArg), timeoutMs: 5000 },
    extras: { manifest: baked.files },
  });
  const v = r.verdict;
  const m = v.load.target?.measure;
  console.log(JSON.stringify({
    decision: v.decision, exitCode: r.exitCode, reasons: v.reasons,
    checks: Object.fromEntries(['pass', 'fail', 'error'].map((s) => [s, v.checks.filter((c) => c.status === s).length])),
    load: m && { targetRps: m.targetRps, achievedRps: Math.round(m.achievedRps * 10) / 10, p50Ms: m.latency.p50Ms, p95Ms: m.latency.p95Ms, p99Ms: m.latency.p99Ms, errors: m.errorTotal, late: m.late, dropped: m.dropped, generatorCpu: v.load.target?.generator.cpuShare, valid: v.load.target?.valid },
    memory: v.memory.summary && { source: v.memory.summary.box.source, peakMiB: Math.round(v.memory.summary.box.peak), steadyMiB: Math.round(v.memory.summary.box.steady), slopeMiBPerMin: Math.round(v.memory.summary.box.slopePerMin * 10) / 10, oomKills: v.memory.summary.oomKills, swapPeakMiB: v.memory.summary.swapPeakMiB, services: Object.keys(v.memory.summary.services) },
    report: r.files,
  }, null, 1));
} finally {
  if (launched) await destroy(id, { stateDir }).catch((e: Error) => log(`destroy failed: ${e.message}`));
}
