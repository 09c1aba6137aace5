/** The local promotion registry: which image is promoted per tier, with the verdict digest and history. */
import { join } from 'node:path';
import { InputError } from '../../images/errors.ts';
import { readInputText } from '../../images/input-file.ts';
import { checkVerdict } from '../../model/verdict-guard.ts';
import { readJson, sha256, writeFileAtomic } from '../../lib/fsutil.ts';
import { findImage } from './image.ts';
import { withLock } from './lock.ts';
import { appOfLineage, channelOf } from '../channel.ts';
import type { Lineage } from '../../model/lineage.ts';
import { defaultStateDir } from './paths.ts';

export interface Promotion {
  /** The channel: a tier's name (its base image), or `<tier>.<app>` (a release of that app on it). */
  tier: string;
  imageRef: string;
  /** sha256 of the verdict document that allowed it. */
  verdictDigest: string;
  promotedAt: string;
  /** What was promoted for the tier before (for rollback). */
  previousRef?: string;
}

export interface Registry {
  version: 1;
  promoted: Record<string, Promotion>;
  history: Promotion[];
}

export const registryPath = (stateDir: string) => join(stateDir, 'registry.json');

const empty = (): Registry => ({ version: 1, promoted: {}, history: [] });

export async function readRegistry(stateDir = defaultStateDir()): Promise<Registry> {
  return (await readJson<Registry>(registryPath(stateDir))) ?? empty();
}

export class NotPromotableError extends Error {
  readonly exitCode = 1;
  constructor(decision: unknown, why: string[] = []) {
    super(
      `the verdict's decision is ${JSON.stringify(decision)}, not an earned "pass"${why.length ? ` (${why.join('; ')})` : ''}: nothing promoted`,
    );
    this.name = 'NotPromotableError';
  }
}

export interface PromoteInput {
  /** Path of the verdict JSON (`kiln verify --json` output). */
  verdictPath: string;
  stateDir?: string;
}

type Verdict = { tier?: unknown; target?: unknown; decision?: unknown; imageRef?: unknown; image?: { ref?: unknown; lineage?: Lineage } };

/** Promotes the verdict's image for its tier if and only if the verdict passed; returns the record. */
export async function promote(input: PromoteInput): Promise<Promotion> {
  const stateDir = input.stateDir ?? defaultStateDir();
  const text = readInputText('--verdict', input.verdictPath, 'verdict file', 'pass the file `kiln verify --json` wrote');
  let v: Verdict;
  try {
    v = JSON.parse(text) as Verdict;
  } catch {
    throw new InputError('--verdict', input.verdictPath, 'a JSON verdict', 'pass the file `kiln verify --json` wrote');
  }
  const ref = v.image?.ref ?? v.imageRef;
  if (typeof v.tier !== 'string' || typeof ref !== 'string') {
    throw new InputError(
      '--verdict',
      input.verdictPath,
      'a verdict naming its tier and image ref',
      'pass the file `kiln verify --json` wrote',
    );
  }
  if (v.decision !== 'pass') throw new NotPromotableError(v.decision);
  // Library callers get the same fail-closed check as the CLI: a pass must be earned, not typed in.
  const guard = checkVerdict(v);
  if (!guard.ok) throw new NotPromotableError(v.decision, guard.errors);
  // A pass earned on another target says nothing about this image on this one.
  if (v.target !== 'local')
    throw new InputError('verdict.target', v.target, '"local"', 'promote on the local target only verdicts of local boxes');
  await findImage(stateDir, ref);
  // A team's app image is a release of that app on the tier: its own channel, beside the tier's base image.
  const tier = channelOf(v.tier, appOfLineage(v.image?.lineage));
  return withLock(join(stateDir, 'locks', 'registry'), async () => {
    const reg = await readRegistry(stateDir);
    const p: Promotion = {
      tier,
      imageRef: ref,
      verdictDigest: `sha256:${sha256(text)}`,
      promotedAt: new Date().toISOString(),
      ...(Object.hasOwn(reg.promoted, tier) ? { previousRef: reg.promoted[tier]!.imageRef } : {}),
    };
    const next: Registry = { version: 1, promoted: { ...reg.promoted, [tier]: p }, history: [...reg.history, p] };
    await writeFileAtomic(registryPath(stateDir), `${JSON.stringify(next, null, 2)}\n`);
    return p;
  });
}

/** The promoted image of a channel (a tier, or `<tier>.<app>`), or undefined when none has been promoted. */
export async function promoted(tier: string, stateDir = defaultStateDir()): Promise<Promotion | undefined> {
  const { promoted: all } = await readRegistry(stateDir);
  // Own keys only: a tier named `constructor` (a valid name) must not find Object.prototype's.
  return Object.hasOwn(all, tier) ? all[tier] : undefined;
}
