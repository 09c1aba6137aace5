/** What a fleet deploy's end means for its caller: the exit code CI reads and one line saying why. */

/** How a fleet deploy ended: the image rolled out and, once applied, how the replacement of its instances ended. */
export interface FleetDeployResult {
  channel: string;
  amiId: string;
  version: number;
  stackDir: string;
  applied: boolean;
  refresh?: { refreshId: string; status: string; ok: boolean; percentComplete: number; statusReason?: string; rollback?: { reason?: string } };
}

/** Exit 0 only when the refresh ended Successful (or none was needed); the line says the state it ended in and why. */
export function deployOutcome(r: FleetDeployResult): { exitCode: 0 | 1; line: string } {
  const what = `deploy ${r.channel} -> ${r.amiId} (version ${r.version})`;
  if (!r.applied) return { exitCode: 0, line: `${what}: planned, stack in ${r.stackDir}` };
  const f = r.refresh;
  if (!f) return { exitCode: 1, line: `${what}: applied, but no instance refresh outcome was read` };
  if (f.status === 'NotStarted') return { exitCode: 0, line: `${what}: no refresh needed, the fleet already runs this launch template version` };
  const why = [f.statusReason, f.rollback?.reason && `rollback: ${f.rollback.reason}`].filter(Boolean).join('; ');
  const line = `${what}: instance refresh ${f.refreshId} ended ${f.status} at ${f.percentComplete}%${why ? ` (${why})` : ''}`;
  return { exitCode: f.ok ? 0 : 1, line };
}
