/** destroy: poweroff inside, then by PID; veth, netns, cgroups bottom-up, overlay, instance dir. */
import { InputError } from '../../images/errors.ts';
import { say } from './exec.ts';
import { readRecord } from './instance.ts';
import { procStartTicks, readOwner, writeOwner } from './owner.ts';
import { defaultStateDir } from './paths.ts';
import { preflight } from './preflight.ts';
import { teardown } from './teardown.ts';

export interface DestroyOptions {
  stateDir?: string;
  /** Seconds to wait for the in-guest poweroff before TERM/KILL. */
  graceSec?: number;
}

export class TeardownError extends Error {
  constructor(
    readonly id: string,
    readonly left: string[],
  ) {
    super(`box ${id}: could not remove: ${left.join('; ')}`);
    this.name = 'TeardownError';
  }
}

export async function destroy(id: string, opts: DestroyOptions = {}): Promise<void> {
  await preflight('destroy');
  const owner = await readOwner(id);
  const stateDir = owner?.stateDir ?? opts.stateDir ?? defaultStateDir();
  const record = await readRecord(stateDir, id);
  if (!owner && !record) {
    throw new InputError('id', id, 'no box with this id on this host', 'list boxes with `kiln janitor --dry-run`, or check --state-dir');
  }
  if (owner) await writeOwner({ ...owner, phase: 'stopping', pid: process.pid, startTicks: (await procStartTicks(process.pid)) ?? 0 });
  const wrapper = record?.wrapper ?? (owner?.wrapperPid ? { pid: owner.wrapperPid, startTicks: owner.wrapperStartTicks ?? 0 } : undefined);
  say(`destroying box ${id}`);
  const left = await teardown(id, stateDir, wrapper, opts.graceSec ?? 20);
  if (left.length) throw new TeardownError(id, left);
}
