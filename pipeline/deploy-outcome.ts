/** What a fleet deploy's end means for its caller: the exit code CI reads and one line saying why. */
import type { RefreshOutcome } from '../targets/aws/refresh-poller.ts';

/** How a fleet deploy ended: the image rolled out and, once applied, how the replacement of its instances ended. */
export interface FleetDeployResult {
  channel: string;
  amiId: string;
  version: number;
  stackDir: string;
  applied: boolean;
  url?: string;
  refresh?: RefreshOutcome;
}

/** Exit 0 only when the refresh ended Successful; the line says the state it ended in and why. */
export function deployOutcome(r: FleetDeployResult): { exitCode: 0 | 1; line: string } {
  const what = `deploy ${r.channel} -> ${r.amiId} (version ${r.version})`;
  if (!r.applied) return { exitCode: 0, line: `${what}: planned, stack in ${r.stackDir}` };
  const f = r.refresh;
  if (!f) return { exitCode: 1, line: `${what}: applied, but no instance refresh outcome was read` };
  if (f.status === 'NotStarted')
    return { exitCode: 1, line: `${what}: applied, but no instance refresh was started (${f.statusReason ?? 'no reason given'})` };
  const rb = f.rollback;
  const why = [
    f.statusReason,
    !f.ok && !rb && f.instancesToUpdate ? `${f.instancesToUpdate} instance(s) not replaced` : undefined,
    rb
      && `rollback${rb.percentCompleteOnRollback === undefined ? '' : ` from ${rb.percentCompleteOnRollback}%`}: ${rb.reason ?? 'no reason given'}`,
  ]
    .filter(Boolean)
    .join('; ');
  const where = f.ok && r.url ? `, serving at ${r.url}` : '';
  const line = `${what}: instance refresh ${f.refreshId} ended ${f.status} at ${f.percentComplete}%${why ? ` (${why})` : ''}${where}`;
  // Failed, Cancelled and both rollback endings leave the fleet short of the release.
  return { exitCode: f.ok ? 0 : 1, line };
}
