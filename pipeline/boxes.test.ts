/** withBoxes launches an A/B's boxes so one generator reaches them all, and tears down newest first. */
import { describe, expect, it } from 'vitest';
import type { LaunchRequest, Target } from '../targets/target.ts';
import { BUILTIN_TIERS } from '../images/tiers.ts';
import { withBoxes } from './boxes.ts';

const nano = BUILTIN_TIERS.find((t) => t.name === 'nano')!;

/** A target that records what it was asked; the boxes are the requests themselves. */
function recording() {
  const launched: LaunchRequest[] = [];
  const destroyed: string[] = [];
  const target = {
    name: 'recording',
    launch: async (r: LaunchRequest) => {
      launched.push(r);
      return { address: `10.0.0.${launched.length}`, port: 22, user: 'u', keyPath: '/k', hostKey: 'ssh-ed25519 AAAA' };
    },
    destroy: async (id: string) => {
      destroyed.push(id);
    },
  } as unknown as Target;
  return { target, launched, destroyed };
}

describe('withBoxes', () => {
  it('launches every box after the first beside the first (one generator measures both sides), and destroys newest first', async () => {
    const { target, launched, destroyed } = recording();
    await withBoxes(
      target,
      [
        { ref: 'c', tier: nano, id: 'abc' },
        { ref: 'b', tier: nano, id: 'abb' },
      ],
      async (hosts) => expect(hosts).toHaveLength(2),
    );
    expect(launched.map((r) => [r.id, r.beside])).toEqual([
      ['abc', undefined],
      ['abb', 'abc'],
    ]);
    expect(destroyed).toEqual(['abb', 'abc']);
  });

  it('keeps a placement the caller chose, and a single box stands alone', async () => {
    const { target, launched } = recording();
    await withBoxes(
      target,
      [
        { ref: 'c', tier: nano, id: 'one' },
        { ref: 'b', tier: nano, id: 'two', beside: 'elsewhere' },
      ],
      async () => undefined,
    );
    await withBoxes(target, [{ ref: 'p', tier: nano, id: 'solo' }], async () => undefined);
    expect(launched.map((r) => [r.id, r.beside])).toEqual([
      ['one', undefined],
      ['two', 'elsewhere'],
      ['solo', undefined],
    ]);
  });
});
