/** `kiln destroy --target local|aws --id NAME`: tears one box down. */
import { InputError } from '../images/errors.ts';
import { output, parse, progress, selectTarget, TARGET_FLAGS, TARGET_HELP, type Options } from './args.ts';

export const help = `kiln destroy --target local|aws --id NAME [--json]
  Tears down the box kiln launch started with --id NAME (local: poweroff, then its processes, veth,
  netns, cgroups, mounts; aws: the candidate stack). Unknown ids are bad input (exit 2).
  Exit codes: 0 destroyed, 1 tearing down failed, 2 bad input (an unknown id).
${TARGET_HELP}`;

/** The flags it parses besides the common ones (args.ts COMMON); each is in its help. */
export const flags: Options = { ...TARGET_FLAGS, id: { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, flags);
  if (typeof v.id !== 'string') throw new InputError('--id', null, 'is required', 'pass the id kiln launch printed');
  const { target } = selectTarget(v);
  await target.destroy(v.id);
  progress(`destroyed ${v.id}`);
  output(v, { destroyed: v.id }, v.id);
  return 0;
}
