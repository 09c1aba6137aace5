/** The self-contained HTML report: inline CSS and SVG only, no script, no external asset. Same verdict -> same bytes. */
import type { Verdict } from '../verdict.ts';
import { endpointTable } from './endpoints.ts';
import { capacityCurve, latencyOverTime, latencySpectrum, memoryOverTime } from './plots.ts';
import { esc } from './svg.ts';
import { cell, statusCell, table } from './table.ts';

export const REPORT_CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
.pass{color:#176d1a;font-weight:bold}.fail,.error,.regression,.inconclusive{color:#b00;font-weight:bold}
.decision{font-size:20px;padding:8px 12px;display:inline-block;border-radius:4px}.decision.pass{background:#e6f4e6}.decision.fail{background:#fbe9e9}
.plots svg{border:1px solid #eee;margin:6px 0}code{font-size:12px}`;

export { cell, statusCell, table } from './table.ts';

/** Inline styles and data: images only: a report opened from a CI artifact runs nothing and fetches nothing. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function loadOrigin(v: Verdict): string {
  const o = v.loadOrigin ?? { kind: 'local' };
  if (o.kind === 'local')
    return v.target === 'local'
      ? "this machine (kiln's)"
      : "the machine kiln ran on, outside the box's network: latency includes the path to it";
  return `verifier ${o.address}${o.instanceType ? ` (${o.instanceType}${o.subnetId ? ` in ${o.subnetId})` : ')'}` : o.subnetId ? ` (in ${o.subnetId})` : ''}, beside the box`;
}

function summary(v: Verdict): string {
  const m = v.load.target?.measure;
  const mem = v.memory.summary;
  const rows: [string, unknown][] = [
    ['tier', `${v.tier} (${v.tierSpec.ramMiB} MiB, ${v.tierSpec.vcpus} vCPU)`],
    ['target', v.target],
    ['image', v.image.ref],
    ['base image', v.image.lineage.baseImage],
    ['render manifest sha256', v.image.lineage.renderManifestSha256],
    ['host', `${v.host.address}:${v.host.port}`],
    ['run', `${v.runId} at ${v.createdAt}`],
    ['kiln', v.kilnVersion ?? 'not recorded (written before kiln recorded its version)'],
    [
      'load (judged window)',
      m
        ? `${m.targetRps} req/s target, ${Math.round(m.achievedRps * 10) / 10} achieved, p50 ${m.latency.p50Ms} / p95 ${m.latency.p95Ms} / p99 ${m.latency.p99Ms} ms, ${m.errorTotal} errors, ${m.late} late, ${m.dropped} dropped`
        : null,
    ],
    ['load from', loadOrigin(v)],
    [
      'generator',
      v.load.target
        ? `CPU ${Math.round(v.load.target.generator.cpuShare * 1000) / 10}% of a core on CPUs ${v.load.target.generator.cpusAllowed}, valid: ${v.load.target.valid}`
        : null,
    ],
    ['capacity', v.load.capacity ? `max good ${v.load.capacity.maxGoodRps} req/s (limited by ${v.load.capacity.limitedBy})` : null],
    [
      'memory',
      mem
        ? `peak ${Math.round(mem.box.peak)} MiB (${mem.box.source}), steady ${Math.round(mem.box.steady)} MiB, slope ${Math.round(mem.box.slopePerMin * 10) / 10} MiB/min, swap ${mem.swapPeakMiB} MiB, OOM kills ${mem.oomKills ?? 'unknown'}`
        : null,
    ],
  ];
  return `<table>${rows.map(([k, x]) => `<tr><th>${esc(k)}</th>${cell(x)}</tr>`).join('')}</table>`;
}

/** Every package and its version, folded: the full list fills a screen and pushed the plots below it. */
function packageList(v: Verdict): string {
  const pkgs = Object.entries(v.image.lineage.packageVersions).sort(([a], [b]) => a.localeCompare(b));
  return `<details id="packages"><summary>Packages in the image (${pkgs.length})</summary>${table(
    ['package', 'version'],
    pkgs.map(([k, x]) => `<tr>${cell(k)}${cell(x)}</tr>`),
  )}</details>`;
}

function memoryTable(v: Verdict): string {
  const s = v.memory.summary;
  if (!s) return '<p class="fail">no memory data</p>';
  const r = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
  return table(
    ['service', 'PSS peak MiB', 'PSS steady MiB', 'PSS slope MiB/min', 'RSS peak MiB', 'processes'],
    Object.keys(s.services)
      .sort()
      .map((n) => {
        const x = s.services[n];
        return `<tr>${cell(n)}${cell(r(x.pss.peak))}${cell(r(x.pss.steady))}${cell(r(x.pss.slopePerMin))}${cell(r(x.rssPeakMiB))}${cell(x.processesPeak)}</tr>`;
      }),
  );
}

function baselineSection(v: Verdict): string {
  const c = v.baseline.comparison;
  if (!c)
    return `<p class="${v.baseline.required ? 'fail' : ''}">${v.baseline.required ? 'required but missing' : 'none: the tier has no promoted image yet, or this is the promoted image verified again'}</p>`;
  return (
    `<p>outcome: <span class="${esc(c.outcome)}">${esc(c.outcome)}</span> (attempt ${c.attempt})</p>`
    + table(
      ['metric', 'outcome', 'baseline', 'candidate', 'evidence'],
      c.metrics.map(
        (m) =>
          `<tr>${cell(m.metric)}${statusCell(m.outcome)}${cell(m.baseline.join(', '))}${cell(m.candidate.join(', '))}${cell(m.evidence)}</tr>`,
      ),
    )
  );
}

export function renderHtml(v: Verdict): string {
  const checks = table(
    ['check', 'status', 'evidence'],
    v.checks.map((c) => `<tr>${cell(c.id)}${statusCell(c.status)}${cell(c.evidence)}</tr>`),
  );
  const thresholds = table(
    ['threshold', 'status', 'limit', 'observed', 'evidence'],
    v.thresholds.map((t) => `<tr>${cell(t.id)}${statusCell(t.status)}${cell(t.limit)}${cell(t.observed)}${cell(t.evidence)}</tr>`),
  );
  const reasons = v.reasons.length ? `<ul class="reasons">${v.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kiln verdict: ${esc(v.tier)} ${esc(v.decision)}</title>
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<style>${REPORT_CSS}</style></head><body>
<h1>kiln verdict: ${esc(v.tier)} on ${esc(v.target)}</h1>
<p class="decision ${esc(v.decision)}" id="decision">${esc(v.decision.toUpperCase())}</p>${reasons}
<h2>Summary</h2>${summary(v)}
<h2>Plots</h2><div class="plots">${latencyOverTime(v)}${latencySpectrum(v)}${memoryOverTime(v)}${capacityCurve(v)}</div>
<h2>Packages</h2>${packageList(v)}
<h2>Checks</h2>${checks}
<h2>Thresholds</h2>${thresholds}
<h2>Endpoints (judged window)</h2>${endpointTable(v)}
<h2>Memory per service</h2>${memoryTable(v)}
<h2>Baseline comparison</h2>${baselineSection(v)}
<p><small>schemaVersion ${v.schemaVersion}</small></p>
</body></html>
`;
}
