import type { GeneratorUsage, PhaseResult, ValidityLimits } from './types.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/**
 * Reasons why the judged window measured the generator rather than the server. Empty = valid.
 * Fails closed: an empty window is invalid too.
 */
export function invalidReasons(
  m: PhaseResult,
  g: GeneratorUsage,
  limits: ValidityLimits,
  maxConnections: number,
  toleranceMs: number,
): string[] {
  const why: string[] = [];
  if (m.scheduled === 0) return ['no request was scheduled in the judged window'];
  if (m.responses === 0) why.push(`no response in the judged window (${m.errorTotal} errors, ${m.dropped} dropped)`);
  const late = m.late / m.scheduled;
  if (late > limits.maxLateFraction && m.late > limits.graceCount) {
    why.push(
      `${m.late} of ${m.scheduled} sends (${pct(late)}) were due more than ${toleranceMs} ms before the scheduler reached them (limit ${pct(limits.maxLateFraction)}): the generator fell behind schedule`,
    );
  }
  const dropped = m.dropped / m.scheduled;
  if (dropped > limits.maxDroppedFraction && m.dropped > limits.graceCount) {
    why.push(
      `${m.dropped} of ${m.scheduled} sends (${pct(dropped)}) dropped: no free connection within ${toleranceMs} ms, pool of ${maxConnections} exhausted (limit ${pct(limits.maxDroppedFraction)}); raise maxConnections or lower the rate`,
    );
  }
  if (g.cpuShare > limits.maxCpuShare) {
    why.push(`generator used ${pct(g.cpuShare)} of one core (limit ${pct(limits.maxCpuShare)}): it was measuring itself`);
  }
  return why;
}
