/**
 * Boxes this process launched and has not destroyed yet, on any target: SIGINT/SIGTERM destroys them, then the
 * process exits 128 + the signal's number, as a shell reports a killed command. The nightly, the gate and the
 * benchmarks all launch through here, so no path of theirs can leave a box behind on Ctrl-C.
 */
type Destroy = () => Promise<void>;

const boxes = new Map<string, Destroy>();
/** Launches in flight: a destroy that lands before a launch has started the box's processes would miss them. */
const launching = new Set<Promise<unknown>>();
const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
type Signal = keyof typeof SIGNALS;
let handling = false;

async function onSignal(sig: Signal): Promise<void> {
  if (handling) return;
  handling = true;
  const wait = launching.size ? ' (after the launch in flight settles)' : '';
  process.stderr.write(`kiln: ${sig}: destroying ${boxes.size} box(es) before exiting${wait}\n`);
  const errors = await destroyAllTracked();
  for (const e of errors) process.stderr.write(`kiln: ${e}\n`);
  process.exit(128 + SIGNALS[sig]);
}
const handlers: Record<Signal, () => void> = { SIGINT: () => void onSignal('SIGINT'), SIGTERM: () => void onSignal('SIGTERM') };
const signals = Object.keys(handlers) as Signal[];

function track(id: string, destroy: Destroy): void {
  if (boxes.has(id)) throw new Error(`box ${id} is already tracked by this process`);
  if (boxes.size === 0) for (const s of signals) process.on(s, handlers[s]);
  boxes.set(id, destroy);
}
function untrack(id: string): void {
  boxes.delete(id);
  if (boxes.size === 0) for (const s of signals) process.off(s, handlers[s]);
}

/** Tracks the box from before its launch starts (a half-booted box is destroyed too) until destroyTracked. */
export async function launchTracked<T>(id: string, destroy: Destroy, launch: () => Promise<T>): Promise<T> {
  track(id, destroy);
  const started = launch();
  launching.add(started);
  try {
    return await started;
  } finally {
    launching.delete(started);
  }
}

/** Destroys a tracked box (no-op for an id this process does not track); it is untracked even when that fails. */
export async function destroyTracked(id: string): Promise<void> {
  const destroy = boxes.get(id);
  if (!destroy) return;
  try {
    await destroy();
  } finally {
    untrack(id);
  }
}

/** Destroys every tracked box once the launches in flight have settled, newest first; returns one line per failure. */
export async function destroyAllTracked(): Promise<string[]> {
  await Promise.allSettled([...launching]);
  const errors: string[] = [];
  for (const id of [...boxes.keys()].reverse()) {
    await destroyTracked(id).catch((e: Error) => errors.push(`destroy ${id}: ${e.message}`));
  }
  return errors;
}

/** Ids launched and not yet destroyed, oldest first. */
export const trackedIds = (): string[] => [...boxes.keys()];
