/** `kiln destroy --target local|aws --id NAME`: tears one box down. */
import { InputError } from '../images/errors.ts';
import { output, parse, progress, selectTarget, TARGET_FLAGS, TARGET_HELP } from './args.ts';

export const help = `kiln destroy --target local|aws --id NAME [--json]
  Tears down the box kiln launch started with --id NAME (local: poweroff, then its processes, veth,
  netns, cgroups, mounts; aws: the candidate stack). Unknown ids are bad input (exit 2).
${TARGET_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const v = parse(argv, { ...TARGET_FLAGS, id: { type: 'string' } });
  if (typeof v.id !== 'string') throw new InputError('--id', null, 'is required', 'pass the id kiln launch printed');
  const { target } = selectTarget(v);
  await target.destroy(v.id);
  progress(`destroyed ${v.id}`);
  output(v, { destroyed: v.id }, v.id);
  return 0;
}
