/** Pure: a gate result -> one self-contained HTML page (decision, reasons, every A/B a person checks). Same result -> same bytes. */
import { esc } from '../../verify/report/svg.ts';
import type { GateResult } from './gate.ts';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}h2{font-size:17px;margin-top:24px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left}
.ok,.pass{color:#176d1a;font-weight:bold}.regression,.missing,.fail,.inconclusive{color:#b00;font-weight:bold}`;

const td = (x: unknown, cls?: string) => `<td${cls ? ` class="${esc(cls)}"` : ''}>${esc(x === null || x === undefined ? '—' : String(x))}</td>`;
const table = (head: string[], rows: string[][]) =>
  `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</table>`;

/** One row per compared figure: previous release vs candidate (medians over the repetitions), change, verdict. */
function latencyRows(r: GateResult): string[][] {
  const metrics = [...(r.latencyMedian ? [r.latencyMedian] : []), ...(r.latency?.metrics ?? [])];
  return metrics.map((m) => [td(m.metric), td(m.baselineMedian), td(m.candidateMedian), td(m.changePct === null ? null : `${m.changePct}%`), td(m.pValue), td(m.outcome, m.outcome), td(m.evidence)]);
}

function memoryRows(r: GateResult): string[][] {
  return (r.memory?.metrics ?? []).map((m) => [td(m.metric), td(m.previous), td(m.candidate), td(m.changePct === null ? null : `${m.changePct}%`), td(m.outcome, m.outcome), td(m.evidence)]);
}

export function gateHtml(r: GateResult): string {
  const build = (b: GateResult['candidate']) => `${b.kind} ${b.name} (${b.package}, ${b.sha256.slice(0, 12)})`;
  const reasons = r.reasons.length ? `<ul>${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '<p>none</p>';
  return `<!doctype html><html><head><meta charset="utf-8"><title>kiln gate ${esc(r.tier)}: ${esc(r.decision)}</title><style>${CSS}</style></head><body>
<h1>kiln gate: <span class="${esc(r.decision)}">${esc(r.decision)}</span> (exit ${r.exitCode})</h1>
${table(['', ''], [
  [td('tier'), td(r.tier)], [td('image'), td(r.imageRef)], [td('candidate'), td(build(r.candidate))],
  [td('previous release'), td(`${build(r.previous)} [${r.previous.source}]`)], [td('verify decision'), td(r.verdictDecision, r.verdictDecision ?? 'fail')],
  [td('recorded as the previous release'), td(r.recorded ? 'yes' : 'no')], [td('wall time'), td(`${r.wallSec} s`)],
])}
<h2>Why</h2>${reasons}
<h2>Latency, previous release → candidate (ms, median of the repetitions)</h2>
${latencyRows(r).length ? table(['metric', 'previous', 'candidate', 'change', 'p', 'outcome', 'evidence'], latencyRows(r)) : '<p class="fail">no latency comparison ran</p>'}
<h2>Memory of the stack's services (PSS, MiB)</h2>
${memoryRows(r).length ? table(['metric', 'previous', 'candidate', 'change', 'outcome', 'evidence'], memoryRows(r)) : '<p class="fail">no memory comparison</p>'}
${r.memory?.box ? `<p>Whole box (cgroup or meminfo): previous ${esc(JSON.stringify(r.memory.box.previous))}, candidate ${esc(JSON.stringify(r.memory.box.candidate))}</p>` : ''}
${r.report?.html ? `<p>The candidate's full verify report: <a href="verify/report.html">verify/report.html</a></p>` : ''}
</body></html>
`;
}
