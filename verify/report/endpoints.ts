/** The judged run per endpoint: what was sent, what came back, and the endpoint's own limits with pass/fail. */
import type { EndpointSummary } from '../load/types.ts';
import { unexpectedStatuses, wrongStatuses } from '../thresholds.ts';
import type { Verdict } from '../verdict.ts';
import { esc } from './svg.ts';
import { cell, table } from './table.ts';

/** "120 (expected 201, got 403 x118; 2 without a response)": the count, then what the errors were. */
function errorsText(e: EndpointSummary): string {
  const wrongStatus = wrongStatuses(e).reduce((n, [, count]) => n + count, 0);
  const parts = [unexpectedStatuses(e), e.errors > wrongStatus ? `${e.errors - wrongStatus} without a response` : ''].filter(Boolean);
  return parts.length ? `${e.errors} (${parts.join('; ')})` : String(e.errors);
}

/** One limit of one endpoint: its threshold's pass/fail, or a dash when the endpoint has no such limit. */
function limitCell(v: Verdict, id: string, unit: string): string {
  const t = v.thresholds.find((x) => x.id === id);
  if (!t) return cell(null);
  return `<td class="${esc(t.status)}" title="${esc(t.evidence)}">${esc(`<= ${t.limit} ${unit}: ${t.status}`)}</td>`;
}

export function endpointTable(v: Verdict): string {
  const m = v.load.target?.measure;
  if (!m) return '<p class="fail">no load run</p>';
  return table(
    [
      'endpoint',
      'request',
      'expected status',
      'responses',
      'errors',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'p95 limit',
      'p99 limit',
      'error share limit',
    ],
    (m.byEndpoint ?? []).map(
      (e) =>
        `<tr>${cell(e.name)}${cell(`${e.method ?? 'GET'} ${e.path}`)}${cell(e.expectedStatus ?? 'any 2xx/3xx')}`
        + `${cell(e.responses)}${cell(errorsText(e))}${cell(e.p50Ms)}${cell(e.p95Ms)}${cell(e.p99Ms)}`
        + `${limitCell(v, `slo:p95:${e.name}`, 'ms')}${limitCell(v, `slo:p99:${e.name}`, 'ms')}${limitCell(v, `errors:${e.name}`, '%')}</tr>`,
    ),
  );
}
