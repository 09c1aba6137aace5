/** Pure: a gate result -> one self-contained HTML page (decision, reasons, every A/B a person checks). Same result -> same bytes. */
import { cell, REPORT_CSP, REPORT_CSS, statusCell, table } from '../verify/report/html.ts';
import { esc } from '../verify/report/svg.ts';
import type { MetricComparison } from '../verify/baseline.ts';
import { abPlots } from './gate-plot.ts';
import type { GateResult } from './gate.ts';

// verify's report styles, plus the gate's per-metric outcomes.
const CSS = `${REPORT_CSS}\n.ok{color:#176d1a;font-weight:bold}.missing{color:#b00;font-weight:bold}`;

const tr = (cells: string[]) => `<tr>${cells.join('')}</tr>`;
const pct = (x: number | null) => cell(x === null ? null : `${x}%`);

/** One row per compared figure: previous release vs candidate (medians over the repetitions), change, p, verdict, the rule's evidence. */
function abRows(metrics: readonly MetricComparison[]): string[] {
  return metrics.map((m) =>
    tr([
      cell(m.metric),
      cell(m.baselineMedian),
      cell(m.candidateMedian),
      pct(m.changePct),
      cell(m.pValue),
      statusCell(m.outcome),
      cell(m.evidence),
    ]),
  );
}

function memoryRows(r: GateResult): string[] {
  return (r.memory?.metrics ?? []).map((m) =>
    tr([cell(m.metric), cell(m.previous), cell(m.candidate), pct(m.changePct), statusCell(m.outcome), cell(m.evidence)]),
  );
}

export function gateHtml(r: GateResult): string {
  const build = (b: GateResult['previous'] | GateResult['candidate']) =>
    `${b.ref} (${b.app ?? 'no app'}${b.sha256 ? `, build ${b.sha256.slice(0, 12)}` : ''})`;
  const reasons = r.reasons.length ? `<ul>${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '<p>none</p>';
  const latency = abRows([...(r.latencyMedian ? [r.latencyMedian] : []), ...(r.latency?.metrics ?? [])]);
  const cpu = abRows(r.cpu ? [r.cpu] : []);
  const memory = memoryRows(r);
  const plots = abPlots(r);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>kiln gate ${esc(r.tier)}: ${esc(r.decision)}</title>
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<style>${CSS}</style></head><body>
<h1>kiln gate: <span class="${esc(r.decision)}">${esc(r.decision)}</span> (exit ${r.exitCode})</h1>
${table(
  ['', ''],
  [
    tr([cell('tier'), cell(r.tier)]),
    tr([cell('channel'), cell(r.channel)]),
    tr([cell('base image'), cell(r.baseRef)]),
    tr([cell('candidate'), cell(`${build(r.candidate)}; baked in ${r.candidate.bakeSec} s${r.candidate.reused ? ' (reused)' : ''}`)]),
    tr([cell('previous release'), cell(`${build(r.previous)} [${r.previous.source}]`)]),
    tr([cell('verify decision'), r.verdictDecision ? statusCell(r.verdictDecision) : '<td class="fail">—</td>']),
    tr([cell('promoted as the release'), cell(r.promoted ? 'yes' : 'no')]),
    tr([cell('wall time'), cell(`${r.wallSec} s`)]),
    tr([cell('kiln'), cell(r.kilnVersion ?? 'not recorded')]),
  ],
)}
<h2>Why</h2>${reasons}
<h2>A/B distributions: each repetition of the previous release and the candidate, medians marked</h2>
${plots ? `<div class="plots">${plots}</div>` : '<p class="fail">no A/B figures to plot</p>'}
<h2>Latency, previous release → candidate (ms, median of the repetitions)</h2>
${latency.length ? table(['metric', 'previous', 'candidate', 'change', 'p', 'outcome', 'evidence'], latency) : '<p class="fail">no latency comparison ran</p>'}
<h2>CPU per request, previous release → candidate (the box's CPU ms per response, median of the repetitions)</h2>
${cpu.length ? table(['metric', 'previous', 'candidate', 'change', 'p', 'outcome', 'evidence'], cpu) : '<p class="fail">no CPU comparison ran</p>'}
<h2>Memory of the stack's services (PSS, MiB; the slope in MiB/min over the last half of the window)</h2>
${memory.length ? table(['metric', 'previous', 'candidate', 'change', 'outcome', 'evidence'], memory) : '<p class="fail">no memory comparison</p>'}
${r.memory?.box ? `<p>Whole box (cgroup or meminfo): previous ${esc(JSON.stringify(r.memory.box.previous))}, candidate ${esc(JSON.stringify(r.memory.box.candidate))}</p>` : ''}
${r.report?.html ? `<p>The candidate's full verify report: <a href="verify/report.html">verify/report.html</a></p>` : ''}
</body></html>
`;
}
