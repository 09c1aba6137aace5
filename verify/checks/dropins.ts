/** systemd drop-ins are in effect: the unit's effective properties (`systemctl show -p …`) equal the expected ones. */
import { type CheckResult, type Remote, DEFAULT_TIMEOUT_SEC, error, execError, fail, pass, shellQuote } from './types.ts';

/** unit -> property -> expected value, e.g. { 'pgbouncer.service': { Restart: 'always', OOMPolicy: 'continue' } }. */
export type UnitProperties = Readonly<Record<string, Readonly<Record<string, string>>>>;

export function parseShow(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

export function judgeUnitProperties(unit: string, expected: Readonly<Record<string, string>>, seen: Map<string, string>): CheckResult {
  const id = `dropin:${unit}`;
  const wrong = Object.entries(expected).filter(([k, v]) => seen.get(k) !== v);
  const shown = Object.keys(expected)
    .map((k) => `${k}=${seen.get(k) ?? '(absent)'}`)
    .join(' ');
  if (seen.get('LoadState') !== undefined && seen.get('LoadState') !== 'loaded')
    return fail(id, `unit not loaded: LoadState=${seen.get('LoadState')}`);
  if (wrong.length) return fail(id, `${shown}; expected ${wrong.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return pass(id, shown);
}

export async function checkDropIns(remote: Remote, expected: UnitProperties): Promise<CheckResult[]> {
  const units = Object.keys(expected).sort();
  if (units.length === 0) return [fail('dropin', 'no unit properties given to check: refusing to pass an empty map')];
  const results: CheckResult[] = [];
  for (const unit of units) {
    const props = ['LoadState', 'DropInPaths', ...Object.keys(expected[unit])].join(',');
    const r = await remote.exec(`systemctl show -p ${shellQuote(props)} ${shellQuote(unit)}`, { timeoutSec: DEFAULT_TIMEOUT_SEC });
    if (r.exitCode !== 0) {
      results.push(execError(`dropin:${unit}`, r));
      continue;
    }
    const seen = parseShow(r.stdout);
    if (seen.size === 0) results.push(error(`dropin:${unit}`, 'systemctl show printed nothing'));
    else results.push({ ...judgeUnitProperties(unit, expected[unit], seen), data: { dropInPaths: seen.get('DropInPaths') ?? '' } });
  }
  return results;
}
