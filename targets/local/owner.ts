/** Host-wide launch claims under /run/kiln/ids/<id>: who owns a box, so the janitor can tell leftovers. */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../images/errors.ts';
import { readJson, writeFileAtomic } from '../../lib/fsutil.ts';
import { RUN_DIR } from './paths.ts';

export const ID_PATTERN = /^[a-z0-9]{1,12}$/;

export interface Owner {
  id: string;
  stateDir: string;
  /** launching: the launcher owns it; running: the boot wrapper does; stopping: destroy does. */
  phase: 'launching' | 'running' | 'stopping';
  pid: number;
  /** /proc/PID/stat start time, so a recycled PID is not taken for the owner. */
  startTicks: number;
  wrapperPid?: number;
  wrapperStartTicks?: number;
}

const idsDir = join(RUN_DIR, 'ids');
const ownerFile = (id: string) => join(idsDir, id, 'owner.json');

/** Start time of a live, non-zombie process; undefined when it is gone. */
export async function procStartTicks(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return Number(fields[19]);
}

export async function procAlive(pid: number | undefined, startTicks: number | undefined): Promise<boolean> {
  if (!pid) return false;
  const t = await procStartTicks(pid);
  return t !== undefined && t === startTicks;
}

/** Claims `id` host-wide (mkdir is atomic); a second launch with the same id is an input error. */
export async function claimId(id: string, stateDir: string): Promise<Owner> {
  if (!ID_PATTERN.test(id)) {
    throw new InputError(
      'id',
      id,
      '1-12 characters a-z 0-9 (it is part of interface names, 15 chars max)',
      'pick a shorter name or omit it',
    );
  }
  await mkdir(idsDir, { recursive: true });
  try {
    await mkdir(join(idsDir, id));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    throw new InputError(
      'id',
      id,
      'a box with this id already exists on this host',
      `pick another id, or \`kiln destroy ${id}\` / \`kiln janitor\` first`,
    );
  }
  const owner: Owner = { id, stateDir, phase: 'launching', pid: process.pid, startTicks: (await procStartTicks(process.pid))! };
  await writeOwner(owner);
  return owner;
}

export const writeOwner = (o: Owner) => writeFileAtomic(ownerFile(o.id), `${JSON.stringify(o)}\n`);
export const readOwner = (id: string) => readJson<Owner>(ownerFile(id));
export const releaseId = (id: string) => rm(join(idsDir, id), { recursive: true, force: true });
export const claimedIds = () => readdir(idsDir).catch(() => [] as string[]);

/** True when the process responsible for the box in its current phase is alive. */
export async function ownerAlive(o: Owner | undefined): Promise<boolean> {
  if (!o) return false;
  if (o.phase === 'running') return procAlive(o.wrapperPid, o.wrapperStartTicks);
  return procAlive(o.pid, o.startTicks);
}
