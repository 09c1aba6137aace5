/** A box whose units do not all come up (one runs out of the tier's memory): reported with unit states, journal tail and OOM kills, and torn down. */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { serializeUserData, type CloudConfig } from '../../images/cloud-init/user-data.ts';
import { outOfMemoryAtBoot } from '../target.ts';
import { bake, launch, BoxNotReadyError } from './index.ts';
import { imageUserDataPath } from './image.ts';
import { leftovers, TEST_STATE_DIR, testBundle } from './testing.ts';

const stateDir = TEST_STATE_DIR;

describe('local target: a stack that does not come up', () => {
  it('fails the launch with unit states, journal tail and its OOM kills, and leaves nothing behind', async () => {
    const bundle = await testBundle();
    const { ref } = await bake({ tier: 'nano', bundleDir: bundle.dir, stateDir });
    const doc = parse(await readFile(imageUserDataPath(stateDir, ref), 'utf8'), { version: '1.1' }) as CloudConfig;
    const broken: CloudConfig = {
      ...doc,
      write_files: [
        ...((doc.write_files as CloudConfig[] | undefined) ?? []),
        {
          path: '/etc/systemd/system/kiln-broken.service',
          permissions: '0644',
          // Writes 700 MiB in a 512 MiB box: the kernel OOM-kills it, as an app too big for its tier is at first boot.
          content:
            '[Unit]\nDescription=a unit that cannot start\n[Service]\nType=oneshot\nExecStart=/usr/bin/python3 -c "b = b\'x\' * (700 << 20)"\n',
        },
      ],
      runcmd: [['systemctl', 'start', '--no-block', 'kiln-broken.service']],
    };
    const path = join(stateDir, `broken-user-data-${process.pid}`);
    await writeFile(path, serializeUserData(broken));
    const id = `nr${process.pid}`;
    try {
      const err = await launch({ imageRef: ref, tier: 'nano', id, stateDir, userDataPath: path, readyTimeoutSec: 180 }).catch(
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(BoxNotReadyError);
      const e = err as BoxNotReadyError;
      expect(e.stage).toMatch(/degraded/);
      expect(e.units).toMatch(/kiln-broken\.service/);
      expect(e.journalTail.split('\n').length).toBeGreaterThan(10);
      expect(e.memory?.oomKills).toBeGreaterThanOrEqual(1);
      expect(e.memory?.limitMiB).toBe(512);
      expect(outOfMemoryAtBoot(e)).toBe(e.memory);
      expect(e.message).toMatch(/OOM-killed \d+ process\(es\) in the box \(peak \d+ of 512 MiB\)/);
      expect(await leftovers(id, stateDir)).toEqual([]);
    } finally {
      await rm(path, { force: true });
    }
  }, 600_000);
});
