/** Bench boxes booted and not yet destroyed, so a signal handler can take them down (kiln bench and the bench scripts). */
import { destroy } from '../../targets/local/index.ts';
import { bootVariant, type BenchBox } from './box.ts';

const live = new Set<string>();
/** The boot in flight: destroying before it has started the box's processes would miss them, so it settles first. */
let booting: Promise<unknown> = Promise.resolve();

/** Boots a box and tracks it; a failed boot is taken down before the error propagates. */
export async function bootTracked(o: Parameters<typeof bootVariant>[0]): Promise<BenchBox> {
  live.add(o.id);
  const boot = bootVariant(o);
  booting = boot;
  try {
    return await boot;
  } catch (e) {
    await destroyTracked(o.id, o.stateDir).catch(() => undefined);
    throw e;
  }
}

export async function destroyTracked(id: string, stateDir: string): Promise<void> {
  try {
    await destroy(id, { stateDir });
  } finally {
    live.delete(id);
  }
}

export async function destroyLive(stateDir: string): Promise<void> {
  await booting.catch(() => undefined);
  for (const id of [...live]) await destroyTracked(id, stateDir).catch(() => undefined);
}

/** On SIGINT/SIGTERM: destroy every tracked box, then exit 130 (killed by a signal, as a shell reports it). */
export function destroyLiveOnSignal(stateDir: string, say: (line: string) => void): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => { say(`${sig}: destroying this run's boxes`); void destroyLive(stateDir).finally(() => process.exit(130)); });
  }
}

