/** JUnit XML for CI: one testcase per check, threshold and baseline metric, plus the decision. Deterministic. The gate's JUnit reuses the writer. */
import type { Verdict } from '../verdict.ts';

/** XML 1.0 forbids most control characters even when escaped: drop them. */
export const xmlEsc = (s: string): string =>
  s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

export interface JunitCase {
  name: string;
  status: 'pass' | 'fail' | 'error' | 'skipped';
  message: string;
}

export function junitSuite(name: string, cases: JunitCase[]): string {
  const failures = cases.filter((c) => c.status === 'fail').length;
  const errors = cases.filter((c) => c.status === 'error').length;
  const body = cases.map((c) => {
    const open = `    <testcase classname="kiln.${xmlEsc(name)}" name="${xmlEsc(c.name)}" time="0"`;
    if (c.status === 'pass') return `${open}><system-out>${xmlEsc(c.message)}</system-out></testcase>`;
    if (c.status === 'skipped') return `${open}><skipped message="${xmlEsc(c.message.slice(0, 500))}"/></testcase>`;
    const tag = c.status === 'fail' ? 'failure' : 'error';
    return `${open}><${tag} message="${xmlEsc(c.message.slice(0, 500))}" type="${tag}">${xmlEsc(c.message)}</${tag}></testcase>`;
  });
  return `  <testsuite name="${xmlEsc(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${cases.filter((c) => c.status === 'skipped').length}" time="0">\n${body.join('\n')}\n  </testsuite>`;
}

export function renderJunit(v: Verdict): string {
  const checks: JunitCase[] = v.checks.map((c) => ({ name: c.id, status: c.status, message: c.evidence }));
  const thresholds: JunitCase[] = v.thresholds.map((t) => ({ name: t.id, status: t.status, message: t.evidence }));
  const comparison = v.baseline.comparison;
  const baseline: JunitCase[] = comparison
    ? comparison.metrics.map((m) => ({
        name: m.metric,
        status: m.outcome === 'ok' ? 'pass' : 'fail',
        message: `${m.outcome}: ${m.evidence}`,
      }))
    : [
        {
          name: 'baseline',
          status: v.baseline.required ? 'fail' : 'pass',
          message: v.baseline.required ? 'required but missing' : 'no promoted baseline for this tier',
        },
      ];
  const decision: JunitCase[] = [
    { name: 'decision', status: v.decision === 'pass' ? 'pass' : 'fail', message: v.decision === 'pass' ? 'pass' : v.reasons.join('\n') },
  ];
  return junitDocument(`kiln verify ${v.tier}`, [
    ['checks', checks],
    ['thresholds', thresholds],
    ['baseline', baseline],
    ['decision', decision],
  ]);
}

/** The whole document: named suites of cases, with the totals CI readers show. */
export function junitDocument(name: string, suites: [string, JunitCase[]][]): string {
  const all = suites.flatMap(([, cases]) => cases);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${xmlEsc(name)}" tests="${all.length}" failures="${all.filter((c) => c.status === 'fail').length}" errors="${all.filter((c) => c.status === 'error').length}" time="0">
${suites.map(([n, cases]) => junitSuite(n, cases)).join('\n')}
</testsuites>
`;
}
