/** `kiln version` (also `kiln --version`): kiln's version, and the git commit when kiln runs from its checkout. */
import { kilnCommit, kilnVersion, versionLine } from '../images/kiln-version.ts';
import { output, parse, type Options } from './args.ts';

export const help = `kiln version [--json]   print kiln's version (kiln --version is the same)
  The version in kiln's package.json, and the git commit (-dirty when tracked files differ) when kiln runs
  from a git checkout and git is on PATH; without either, the version alone. Verdicts, gate results, nightly
  summaries and bench results record the same version as kilnVersion.
  Exit codes: 0 printed, 2 bad input (an unknown flag).`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = {};

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  const commit = kilnCommit();
  output(v, { kilnVersion: kilnVersion(), commit }, versionLine(kilnVersion(), commit));
  return 0;
}
