/** Bench boxes on the local target, tracked by targets/live.ts so SIGINT/SIGTERM destroys them before exiting. */
import { destroy } from '../../targets/local/index.ts';
import { destroyAllTracked, destroyTracked, launchTracked } from '../../targets/live.ts';
import { bootVariant, type BenchBox } from './box.ts';

export { destroyTracked };

/** Boots a box and tracks it; a failed boot is taken down before the error propagates. */
export async function bootTracked(o: Parameters<typeof bootVariant>[0]): Promise<BenchBox> {
  try {
    return await launchTracked(
      o.id,
      () => destroy(o.id, { stateDir: o.stateDir }),
      () => bootVariant(o),
    );
  } catch (e) {
    await destroyTracked(o.id).catch(() => undefined);
    throw e;
  }
}

/** Every bench box still up (a script's finally): failures are printed, not thrown over the script's own error. */
export async function destroyLive(say: (line: string) => void): Promise<void> {
  for (const e of await destroyAllTracked()) say(e);
}
