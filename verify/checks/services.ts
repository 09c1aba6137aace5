/** Every expected systemd unit is active now and enabled for the next boot. */
import { type CheckResult, type Remote, DEFAULT_TIMEOUT_SEC, error, fail, pass, shellQuote } from './types.ts';

export async function checkServices(remote: Remote, units: readonly string[]): Promise<CheckResult[]> {
  if (units.length === 0) return [fail('service', 'no units given to check: refusing to pass an empty list')];
  const script = units
    .map((u) => {
      const q = shellQuote(u);
      return `printf '%s\\t%s\\t%s\\n' ${q} "$(systemctl is-active ${q} 2>&1 | head -n1)" "$(systemctl is-enabled ${q} 2>&1 | head -n1)"`;
    })
    .join('; ');
  const r = await remote.exec(script, { timeoutSec: DEFAULT_TIMEOUT_SEC });
  const seen = new Map<string, [string, string]>();
  for (const line of r.stdout.split('\n')) {
    const [unit, active, enabled] = line.split('\t');
    if (unit && active !== undefined && enabled !== undefined) seen.set(unit, [active, enabled]);
  }
  return units.map((unit) => judgeUnit(unit, seen.get(unit), r.timedOut));
}

/** `enabled`, `static` and `indirect` / `alias` units start at boot; `linked`/`disabled`/`masked` do not. */
const STARTS_AT_BOOT = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated']);

export function judgeUnit(unit: string, state: [string, string] | undefined, timedOut: boolean): CheckResult {
  const id = `service:${unit}`;
  if (!state) return error(id, timedOut ? 'systemctl timed out' : 'no answer from systemctl');
  const [active, enabled] = state;
  if (/not been booted with systemd|Failed to connect to bus/i.test(active + enabled)) {
    return error(id, `systemd is not reachable: ${active}`);
  }
  const evidence = `is-active=${active} is-enabled=${enabled}`;
  return active === 'active' && STARTS_AT_BOOT.has(enabled) ? pass(id, evidence) : fail(id, evidence);
}
