/** `kiln promote --target local|aws --verdict FILE [--json]`: promotes the verdict's image iff it earned a pass. */
import { InputError } from '../images/errors.ts';
import { readInputText } from '../images/input-file.ts';
import { checkVerdict } from '../model/verdict-guard.ts';
import { output, parse, progress, selectTarget, TARGET_FLAGS, TARGET_HELP, type Options } from './args.ts';

export const help = `kiln promote --target local|aws --verdict FILE [--json]
  Makes the verdict's image the promoted one for its tier (local: the registry file under --state-dir;
  aws: a new version of the SSM parameter <prefix>/<tier>/ami, labelled with the verdict digest, and
  tags on the AMI). Fails closed: a verdict that is not a well-formed, earned pass, or one written for
  another target, promotes nothing (exit 1, or 2 for an unreadable file).
  Exit codes: 0 promoted, 1 the verdict is not an earned pass (nothing promoted), 2 bad input (an
  unreadable verdict file, a verdict of another target).
${TARGET_HELP}`;

/** Target-independent gate before the target's own checks: shape, earned pass, and the right target. */
function guard(file: string, target: string): void {
  const text = readInputText('--verdict', file, 'verdict JSON file', 'pass the verdict.json kiln verify wrote');
  let doc: { target?: unknown } | undefined;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      '--verdict',
      file,
      'a readable verdict JSON file',
      `pass the verdict.json kiln verify wrote (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const g = checkVerdict(doc);
  if (!g.ok) throw new Error(`verdict ${file} is not a well-formed, earned pass: ${g.errors.slice(0, 5).join('; ')}; nothing promoted`);
  if (g.verdict.decision !== 'pass')
    throw new Error(`verdict ${file} says fail (${g.verdict.reasons.slice(0, 3).join('; ')}); nothing promoted`);
  if (doc?.target !== target)
    throw new InputError(
      '--target',
      target,
      `the verdict's target (${String(doc?.target)})`,
      'promote a verdict on the target it was verified on',
    );
}

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { ...TARGET_FLAGS, verdict: { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  if (typeof v.verdict !== 'string') throw new InputError('--verdict', null, 'is required', 'pass the verdict.json kiln verify wrote');
  const { name, target } = selectTarget(v);
  guard(v.verdict, name);
  const rec = await target.promote({ verdictPath: v.verdict });
  progress(`promoted ${rec.ref} for ${rec.tier}${rec.previousRef ? ` (was ${rec.previousRef})` : ''}`);
  output(v, rec, rec.ref);
  return 0;
}
