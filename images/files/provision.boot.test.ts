/**
 * The rendered provisioning for real: provision.sh + hygiene.sh in a chroot of the local default's base (Debian 13;
 * the local target's bake), then two boxes booted under systemd from that one image. First boot must run once per box,
 * before PgBouncer and the app, and give each box its own secrets; the stack must answer.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTROS } from '../distro.ts';
import { DEFAULT_LOCAL_DISTRO } from '../../targets/local/base.ts';
import { bake, destroy, launch, type BoxHostDescription } from '../../targets/local/index.ts';
import { REPO_ROOT } from '../../targets/local/paths.ts';
import { sshRun, type SshTarget } from '../../targets/local/ssh.ts';
import { leftovers } from '../../targets/local/testing.ts';
import { imageManifestPath, listImages } from '../../targets/local/image.ts';
import { imagesDir } from '../../targets/local/paths.ts';

const stateDir = join(REPO_ROOT, '.kiln/state-test-provision');
const distro = DISTROS[DEFAULT_LOCAL_DISTRO];
// Per process: another run of the suite may be baking beside this one (images are content-addressed and shared).
const bundleDir = join(REPO_ROOT, '.kiln/test-bundle-provision', String(process.pid));
const boxes: BoxHostDescription[] = [];
// Recipe env values that a YAML 1.1 reader, a shell or systemd could each misread: they must arrive verbatim.
const HOSTILE_ENV = {
  APP_NO: 'no',
  APP_DATE: '2024-01-01',
  APP_MODE: '0640',
  APP_NULL: '~',
  APP_YAML: '*ref !!python/object:os.system <<',
  APP_SHELL: '$(touch /tmp/pwned) `touch /tmp/pwned2` ${HOME} "dq" \'sq\' back\\slash ; # not a comment',
  APP_SPACES: '  padded  ',
};
const ssh = (h: BoxHostDescription): SshTarget => ({
  address: h.address,
  port: h.port,
  user: h.user,
  keyPath: h.keyPath,
  knownHostsPath: h.knownHostsPath,
});
/** Images this test baked from older renders (~1 GiB each with the unpacked root); a day is longer than any run. */
async function pruneOldImages(keep: string): Promise<void> {
  for (const ref of await listImages(stateDir)) {
    const age = Date.now() - (await stat(imageManifestPath(stateDir, ref))).mtimeMs;
    if (ref === keep || age < 24 * 3600_000) continue;
    for (const suffix of ['.json', '.tar.zst', '.user-data', '.render-manifest.json', '.root']) {
      await rm(join(imagesDir(stateDir), ref + suffix), { recursive: true, force: true });
    }
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = async (h: BoxHostDescription, path: string) => {
  const res = await fetch(`http://${h.address}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
};
/** Only hashes of per-instance values leave the box. */
const FINGERPRINTS = [
  'sudo bash --norc -c \'set -a; . /etc/kiln/app.env; printf "%s" "$KILN_SECRET_KEY" | sha256sum; printf "%s" "$KILN_DB_PASSWORD" | sha256sum\'',
  'sudo sha256sum /etc/pgbouncer/userlist.txt /etc/ssl/private/ssl-cert-snakeoil.key /etc/machine-id',
].join('; ');
const fingerprints = async (h: BoxHostDescription) => {
  const r = await sshRun(ssh(h), FINGERPRINTS);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split('\n').map((l) => l.split(' ')[0]);
};
/** Monotonic µs at which a unit became active / left inactive. */
const startedAt = async (h: BoxHostDescription, unit: string) => {
  const r = await sshRun(
    ssh(h),
    `systemctl show -p ActiveEnterTimestampMonotonic -p InactiveExitTimestampMonotonic -p ConditionResult ${unit}`,
  );
  return Object.fromEntries(r.stdout.split('\n').map((l) => l.split('=') as [string, string]));
};

describe('rendered provisioning, baked and booted (local target)', () => {
  beforeAll(async () => {
    await rm(bundleDir, { recursive: true, force: true });
    const recipe = join(REPO_ROOT, '.kiln', `provision-boot-recipe-${process.pid}.json`);
    await mkdir(join(REPO_ROOT, '.kiln'), { recursive: true });
    await writeFile(recipe, JSON.stringify({ app: { env: HOSTILE_ENV } }));
    await execa('npx', ['tsx', 'cli/cli.ts', 'render', '--tier', 'nano', '--distro', distro.id, '--recipe', recipe, '--out', bundleDir], {
      cwd: REPO_ROOT,
    });
    await rm(recipe);
    // The build VM has PyPI; this machine reaches it only through the host's pip setup: a wheelhouse for the chroot.
    await mkdir(join(bundleDir, 'wheels'));
    // Wheels for the image's Python (3.13 on trixie), not the host venv's: psycopg-binary is built per CPython version.
    const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
    await execa(join(REPO_ROOT, '.venv/bin/pip'), [
      'download',
      '-q',
      '--only-binary=:all:',
      '-d',
      join(bundleDir, 'wheels'),
      '--python-version',
      distro.versions.python,
      '--implementation',
      'cp',
      ...['manylinux2014', 'manylinux_2_17', 'manylinux_2_28'].flatMap((p) => ['--platform', `${p}_${arch}`]),
      '-r',
      join(bundleDir, 'rootfs/opt/kiln/app/requirements.txt'),
    ]);
    const image = await bake({ tier: 'nano', bundleDir, stateDir, distro: DEFAULT_LOCAL_DISTRO });
    await pruneOldImages(image.ref);
    const launched = await Promise.allSettled(
      [`pa${process.pid}`, `pb${process.pid}`].map((id) =>
        launch({
          imageRef: image.ref,
          tier: 'nano',
          id,
          stateDir,
          userDataPath: join(bundleDir, 'cloud-init/user-data'),
          readyTimeoutSec: 240,
        }),
      ),
    );
    for (const r of launched) if (r.status === 'fulfilled') boxes.push(r.value);
    for (const r of launched) if (r.status === 'rejected') throw r.reason;
  }, 900_000);

  afterAll(async () => {
    for (const h of boxes) await destroy(h.id, { stateDir }).catch(() => undefined);
    await rm(bundleDir, { recursive: true, force: true });
  }, 120_000);

  it('the stack answers on each box: app, database through PgBouncer, cache, static file', async () => {
    for (const h of boxes) {
      expect(await get(h, '/health')).toMatchObject({ status: 200 });
      const db = await get(h, '/db');
      expect(db.status).toBe(200);
      expect(db.body).toMatch(/"payload": "item-/);
      expect(await get(h, '/cache')).toMatchObject({ status: 200 });
      expect((await get(h, '/static/canary.css')).status).toBe(200);
      const failed = await sshRun(ssh(h), 'systemctl is-system-running; systemctl --failed --no-legend');
      expect(failed.stdout.trim()).toBe('running');
    }
  });

  it("the base's daily timers are masked: no apt run wakes on a small box at any hour", async () => {
    const r = await sshRun(
      ssh(boxes[0]!),
      'systemctl is-enabled apt-daily.timer apt-daily-upgrade.timer; systemctl is-active apt-daily.timer apt-daily-upgrade.timer || true',
    );
    expect(r.stdout.trim().split('\n')).toEqual(['masked', 'masked', 'inactive', 'inactive']);
  });

  it('hostile recipe env values reach the app verbatim: user data (PyYAML) -> boot.json -> app.env -> systemd EnvironmentFile', async () => {
    const h = boxes[0];
    // systemd's own EnvironmentFile parser, as it starts kiln-app; only the non-secret APP_ values come back.
    const r = await sshRun(
      ssh(h),
      'sudo systemd-run --quiet --wait --pipe -p EnvironmentFile=/etc/kiln/app.env /usr/bin/env -0 | tr "\\0" "\\n" | grep -a "^APP_" | base64 -w0; echo; ls /tmp/pwned /tmp/pwned2 2>&1 | grep -c "No such file"',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const [b64, notThere] = r.stdout.split('\n');
    const got = Object.fromEntries(
      Buffer.from(b64, 'base64')
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect(got).toEqual(HOSTILE_ENV);
    expect(notThere).toBe('2');
  });

  it("the PgBouncer admin console answers the operator on the box's unix socket, and refuses the same login over TCP", async () => {
    const h = boxes[0];
    const console = (host: string) =>
      sshRun(ssh(h), `sudo runuser -u postgres -- psql -h ${host} -p 6432 -U pgbouncer -d pgbouncer -w -Atc 'SHOW POOLS'`);
    const local = await console('/var/run/postgresql');
    expect(local.exitCode, local.stderr).toBe(0);
    expect(local.stdout).toMatch(/^canary\|canary\|/m);
    expect((await console('127.0.0.1')).exitCode).not.toBe(0);
  });

  it('first boot ran after Postgres and before PgBouncer and the app', async () => {
    const h = boxes[0];
    const fb = await startedAt(h, 'kiln-firstboot.service');
    const pg = await startedAt(h, distro.pgUnit);
    expect(fb.ConditionResult).toBe('yes');
    expect(Number(fb.InactiveExitTimestampMonotonic)).toBeGreaterThan(Number(pg.ActiveEnterTimestampMonotonic));
    for (const unit of ['pgbouncer.service', 'kiln-app.service']) {
      expect(Number((await startedAt(h, unit)).InactiveExitTimestampMonotonic), unit).toBeGreaterThanOrEqual(
        Number(fb.ActiveEnterTimestampMonotonic),
      );
    }
  });

  it('nothing per-instance is shared: secret key, DB password, userlist, snakeoil key, machine-id all differ', async () => {
    const [a, b] = await Promise.all(boxes.map(fingerprints));
    expect(a).toHaveLength(5);
    a.forEach((x, i) => {
      expect(x, `fingerprint ${i}`).not.toBe(b[i]);
    });
  });

  it('after a reboot first boot is skipped, the secrets stay, the app still reaches its database', async () => {
    const h = boxes[1];
    const before = await fingerprints(h);
    await sshRun(ssh(h), 'sudo touch /run/kiln-before-reboot && sudo systemctl reboot');
    const deadline = Date.now() + 120_000;
    let up = '';
    while (Date.now() < deadline) {
      const r = await sshRun(ssh(h), 'test ! -e /run/kiln-before-reboot && systemctl is-system-running --wait', 60);
      up = r.stdout.trim();
      if (r.exitCode === 0 && up === 'running') break;
      await sleep(500);
    }
    expect(up).toBe('running');
    expect((await startedAt(h, 'kiln-firstboot.service')).ConditionResult).toBe('no');
    expect(await fingerprints(h)).toEqual(before);
    expect((await get(h, '/db')).status).toBe(200);
  }, 180_000);

  it('destroy leaves nothing behind', async () => {
    for (const h of [...boxes]) {
      await destroy(h.id, { stateDir });
      boxes.splice(boxes.indexOf(h), 1);
      expect(await leftovers(h.id, stateDir)).toEqual([]);
    }
  }, 120_000);
});
