/**
 * The host's programs read every distro's files: when the host runs another release of a program than the image
 * does (bookworm's PostgreSQL 15 for trixie's 17), what the image's release added, removed or re-ranged cannot be
 * checked here. Each such finding carries a note saying so, instead of passing as if the image's program had read it.
 */
import { execa } from 'execa';
import type { DistroProfile } from '../../images/distro.ts';
import type { Finding } from './types.ts';

export interface VersionedProgram {
  /** The program's name in the note. */
  program: string;
  /** How to ask the host's program for its version (the first number it prints is taken); undefined = not installed. */
  argv: () => string[] | undefined;
  /** The release the image runs: as many components as the comparison uses (`17`, `1.24`, `257`). */
  image: (d: DistroProfile) => string;
  /** What a host of another release leaves unchecked; default: settings added, removed or re-ranged between them. */
  unchecked?: string;
}

/** The first version number in `text`, cut to `parts` components (`nginx/1.22.1`, 2 -> `1.22`; `15.18`, 1 -> `15`). */
export function versionOf(text: string, parts: number): string | undefined {
  const m = /\d+(?:\.\d+)*/.exec(text);
  return m ? m[0].split('.').slice(0, parts).join('.') : undefined;
}

export function gapNote(p: VersionedProgram, host: string | undefined, image: string): string | undefined {
  if (host === image) return undefined;
  if (host === undefined)
    return `${p.program} on this host printed no version; the image runs ${image}: what its release changed is not checked here`;
  // Versions compare as strings of the image's precision: equal means the image's own release read the file.
  return `${p.program} ${host} on this host read this for an image that runs ${image}; not checked here: ${p.unchecked ?? 'settings added, removed or re-ranged between them'}`;
}

const asked = new Map<string, Promise<string>>();

/** The host program's own word on its version (asked once per process). */
async function hostText(argv: string[]): Promise<string> {
  const key = argv.join('\0');
  const pending = asked.get(key) ?? execa(argv[0]!, argv.slice(1), { reject: false, all: true }).then((r) => r.all ?? '');
  asked.set(key, pending);
  return pending;
}

/** The findings with the version-gap note added (unchanged when the host runs the image's release). */
export async function withVersionGap(findings: Finding[], p: VersionedProgram | undefined, d: DistroProfile): Promise<Finding[]> {
  if (!p) return findings;
  const image = p.image(d);
  const argv = p.argv();
  const host = argv ? versionOf(await hostText(argv), image.split('.').length) : undefined;
  const note = gapNote(p, host, image);
  return note ? findings.map((f) => ({ ...f, note: f.note ? `${f.note}; ${note}` : note })) : findings;
}
