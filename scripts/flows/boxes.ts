/**
 * Boot a set of boxes for the length of one function and ALWAYS tear them down: on return, on throw, on a
 * timeout the caller raced, and on SIGINT/SIGTERM (destroyed first, then the process exits 128+signal).
 */
import { InputError } from '../../images/errors.ts';
import type { HostDescription } from '../../verify/host.ts';
import type { LaunchRequest, Log, Target } from '../../targets/target.ts';

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

type Live = { target: Target; id: string };
const live = new Set<Live>();
/** Launches in flight: a destroy that lands before a launch has started the box's processes would miss them. */
const launching = new Set<Promise<unknown>>();
const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
let handling = false;

async function onSignal(sig: keyof typeof SIGNALS): Promise<void> {
  if (handling) return;
  handling = true;
  process.stderr.write(`kiln: ${sig}: destroying ${live.size} box(es) before exiting${launching.size ? ' (after the launch in flight settles)' : ''}\n`);
  await Promise.allSettled([...launching]);
  await Promise.allSettled([...live].map((b) => destroyBox(b.target, b.id)));
  process.exit(128 + SIGNALS[sig]);
}
const handlers = { SIGINT: () => void onSignal('SIGINT'), SIGTERM: () => void onSignal('SIGTERM') };

function track(b: Live): void {
  if (live.size === 0) for (const s of Object.keys(handlers) as (keyof typeof handlers)[]) process.on(s, handlers[s]);
  live.add(b);
}
function untrack(b: Live): void {
  live.delete(b);
  if (live.size === 0) for (const s of Object.keys(handlers) as (keyof typeof handlers)[]) process.off(s, handlers[s]);
}

/** Launches `requests` one after another (boots disturb each other less that way), runs `fn`, destroys all. */
export async function withBoxes<T>(target: Target, requests: LaunchRequest[], fn: (hosts: HostDescription[]) => Promise<T>, opts: WithBoxesOptions = {}): Promise<T> {
  const log = opts.log ?? (() => undefined);
  const mine: Live[] = [];
  try {
    const hosts: HostDescription[] = [];
    for (const req of requests) {
      const b = { target, id: req.id };
      await opts.onLaunching?.(req.id);
      // Tracked before the launch: a box half-booted when the signal lands is destroyed too.
      track(b);
      mine.push(b);
      const t0 = Date.now();
      const launch = target.launch({ ...req, log: req.log ?? log });
      launching.add(launch);
      hosts.push(await launch.finally(() => launching.delete(launch)));
      log(`box ${req.id} (${req.ref}) ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    return await fn(hosts);
  } finally {
    const errors: string[] = [];
    if (mine.length) await opts.onDestroying?.(mine.map((b) => b.id));
    for (const b of mine.reverse()) {
      await destroyBox(target, b.id).catch((e: Error) => errors.push(`${b.id}: ${e.message}`));
      untrack(b);
    }
    if (mine.length) log(`destroyed ${mine.map((b) => b.id).join(', ')}`);
    await opts.onDestroyed?.(mine.map((b) => b.id), errors);
    // A failed teardown outranks the result: leftovers must be reported, not swallowed.
    if (errors.length) throw new TeardownFailed(errors);
  }
}
