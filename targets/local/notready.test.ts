/** A box whose units do not all come up: reported with unit states and journal tail, and torn down. */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { serializeUserData, type CloudConfig } from '../../cloud-init/user-data.ts';
import { bake, launch, BoxNotReadyError } from './index.ts';
import { imageUserDataPath } from './image.ts';
import { leftovers, TEST_STATE_DIR, testBundle } from './testing.ts';

const stateDir = TEST_STATE_DIR;

describe('local target: a stack that does not come up', () => {
  it('fails the launch with unit states + journal tail and leaves nothing behind', async () => {
    const bundle = await testBundle();
    const { ref } = await bake({ tier: 'nano', bundleDir: bundle.dir, stateDir });
    const doc = parse(await readFile(imageUserDataPath(stateDir, ref), 'utf8'), { version: '1.1' }) as CloudConfig;
    const broken: CloudConfig = {
      ...doc,
      write_files: [...((doc.write_files as CloudConfig[] | undefined) ?? []), {
        path: '/etc/systemd/system/kiln-broken.service', permissions: '0644',
        content: '[Unit]\nDescription=a unit that cannot start\n[Service]\nType=oneshot\nExecStart=/bin/false\n',
      }],
      runcmd: [['systemctl', 'start', '--no-block', 'kiln-broken.service']],
    };
    const path = join(stateDir, `broken-user-data-${process.pid}`);
    await writeFile(path, serializeUserData(broken));
    const id = `nr${process.pid}`;
    try {
      const err = await launch({ imageRef: ref, tier: 'nano', id, stateDir, userDataPath: path, readyTimeoutSec: 180 }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(BoxNotReadyError);
      const e = err as BoxNotReadyError;
      expect(e.stage).toMatch(/degraded/);
      expect(e.units).toMatch(/kiln-broken\.service/);
      expect(e.journalTail.split('\n').length).toBeGreaterThan(10);
      expect(await leftovers(id, stateDir)).toEqual([]);
    } finally {
      await rm(path, { force: true });
    }
  }, 600_000);
});
