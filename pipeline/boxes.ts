/**
 * Boot a set of boxes for the length of one function and ALWAYS tear them down: on return, on throw, on a
 * timeout the caller raced, and on SIGINT/SIGTERM (targets/live.ts: destroyed first, then the process exits 128+signal).
 */
import { InputError } from '../images/errors.ts';
import type { HostDescription } from '../model/host.ts';
import type { LaunchRequest, Log, Target } from '../targets/target.ts';
import { destroyTracked, launchTracked } from '../targets/live.ts';

export interface WithBoxesOptions {
  log?: Log;
  /** Called with every box id before its launch starts (a ledger records it, so a killed run can be cleaned). */
  onLaunching?: (id: string) => void | Promise<void>;
  /** Called before the teardown starts. */
  onDestroying?: (ids: string[]) => void | Promise<void>;
  /** Called once every box is destroyed (or failed to be: the errors are listed). */
  onDestroyed?: (ids: string[], errors: string[]) => void | Promise<void>;
}

/** Raised when a box could not be torn down: the caller must not pretend the host is clean. */
export class TeardownFailed extends Error {
  constructor(readonly errors: string[]) {
    super(`teardown failed: ${errors.join('; ')}`);
    this.name = 'TeardownFailed';
  }
}

/** Destroys a box by id; a box the target does not know (never got that far, or already gone) counts as destroyed. */
export async function destroyBox(target: Target, id: string): Promise<void> {
  await target.destroy(id).catch((e: unknown) => {
    if (!(e instanceof InputError)) throw e;
  });
}

/** Launches `requests` one after another (boots disturb each other less that way), runs `fn`, destroys all. */
export async function withBoxes<T>(
  target: Target,
  requests: LaunchRequest[],
  fn: (hosts: HostDescription[]) => Promise<T>,
  opts: WithBoxesOptions = {},
): Promise<T> {
  const log = opts.log ?? (() => undefined);
  const mine: string[] = [];
  try {
    const hosts: HostDescription[] = [];
    // Every box after the first is measured by the same generator as the first (an A/B): launched beside it.
    for (const [i, given] of requests.entries()) {
      const req = i > 0 && given.beside === undefined ? { ...given, beside: requests[0]!.id } : given;
      await opts.onLaunching?.(req.id);
      mine.push(req.id);
      const t0 = Date.now();
      hosts.push(
        await launchTracked(
          req.id,
          () => destroyBox(target, req.id),
          () => target.launch({ ...req, log: req.log ?? log }),
        ),
      );
      log(`box ${req.id} (${req.ref}) ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    return await fn(hosts);
  } finally {
    const errors: string[] = [];
    const newestFirst = [...mine].reverse();
    if (mine.length) await opts.onDestroying?.(newestFirst);
    for (const id of newestFirst) await destroyTracked(id).catch((e: Error) => errors.push(`${id}: ${e.message}`));
    if (mine.length) log(`destroyed ${newestFirst.join(', ')}`);
    await opts.onDestroyed?.(newestFirst, errors);
    // A failed teardown outranks the result: leftovers must be reported, not swallowed.
    // biome-ignore lint/correctness/noUnsafeFinally: replacing the result with the teardown failure is the point.
    if (errors.length) throw new TeardownFailed(errors);
  }
}
