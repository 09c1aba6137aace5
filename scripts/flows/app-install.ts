/**
 * Installs an app build into a booted box over SSH (any target): upload by sftp as the login user, install as
 * root with sudo (pip offline for a wheel, copied over the image's app dir for a source dir), migrate, restart
 * kiln-app.service, then wait for /health and the canary mix through nginx. Values from the user only reach a
 * shell validated and quoted; every remote command is bounded by a timeout.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { APP_ROOT } from '../../images/files/app.ts';
import { APP_UNIT } from '../../images/files/gunicorn.ts';
import { APP_USER, VENV } from '../../images/files/provision.ts';
import { CANARY_MIX } from '../../verify/defaults.ts';
import type { HostDescription } from '../../verify/host.ts';
import { pinHostKey } from '../../verify/hostkey.ts';
import { shellQuote as q, SshSession } from '../../verify/ssh.ts';
import { sourceFiles, type AppBuild } from './app-build.ts';
import { failingCanaryEndpoints } from '../../verify/canary-probe.ts';

export class AppInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppInstallError';
  }
}

export interface InstallOptions {
  httpPort?: number;
  healthTimeoutSec?: number;
  log?: (line: string) => void;
}

/** Gunicorn's working dir for a wheel: empty, so a same-named package in the image's app dir cannot shadow it. */
const WHEEL_RUN_DIR = '/opt/kiln/gate-run';
export const GATE_DROPIN = `/etc/systemd/system/${APP_UNIT}.d/90-kiln-gate.conf`;
const STAGE = /^\/tmp\/kiln-gate\.[A-Za-z0-9]{6,}$/;

function openSftp(host: HostDescription): Promise<{ sftp: SFTPWrapper; end: () => void }> {
  const pin = pinHostKey(host.hostKey);
  const config: ConnectConfig = {
    host: host.address, port: host.port, username: host.user, privateKey: Buffer.from(''), readyTimeout: 20_000,
    hostVerifier: (key: Buffer) => pin.verify(key),
  };
  if (pin.algorithms) config.algorithms = { serverHostKey: pin.algorithms as never };
  return readFile(host.keyPath).then((key) => new Promise((resolve, reject) => {
    const client = new Client();
    client.once('error', (e) => { client.end(); reject(new AppInstallError(`sftp to ${host.address}:${host.port}: ${e.message}`)); });
    client.once('ready', () => client.sftp((err, sftp) => {
      if (err) { client.end(); reject(new AppInstallError(`sftp subsystem: ${err.message}`)); return; }
      resolve({ sftp, end: () => client.end() });
    }));
    client.connect({ ...config, privateKey: key });
  }));
}

const put = (sftp: SFTPWrapper, local: string, remote: string) =>
  new Promise<void>((resolve, reject) => sftp.fastPut(local, remote, (e) => (e ? reject(new AppInstallError(`upload ${remote}: ${e.message}`)) : resolve())));

/** The unit drop-in that serves the build: same gunicorn config as the image, the build's WSGI module. */
export function gateDropIn(build: AppBuild, chdir: string): string {
  return [
    `# Written by kiln gate: serve the installed ${build.kind} ${build.name} (sha256 ${build.sha256.slice(0, 16)}).`,
    '[Service]',
    `WorkingDirectory=${chdir}`,
    'ExecStart=',
    `ExecStart=${VENV}/bin/gunicorn -c /etc/kiln/gunicorn.conf.py --chdir ${chdir} ${build.package}.wsgi:application`,
    '',
  ].join('\n');
}

/** Root-side install script for a staged build (stage dir and names already validated). */
export function installScript(build: AppBuild, stage: string): { script: string; chdir: string } {
  const pkg = build.package;
  const place = build.kind === 'wheel'
    ? [`${VENV}/bin/pip install -q --no-index --no-deps --force-reinstall --no-cache-dir --disable-pip-version-check ${q(`${stage}/${build.name}`)}`,
      `install -d -o root -g root -m 0755 ${WHEEL_RUN_DIR}`]
    // A copy of the image's app dir (static files, requirements) overlaid by the build, swapped in by rename.
    : [`rm -rf ${APP_ROOT}.gate-new ${APP_ROOT}.gate-old`, `cp -a ${APP_ROOT} ${APP_ROOT}.gate-new`,
      `tar -xzf ${q(`${stage}/app.tgz`)} -C ${APP_ROOT}.gate-new --no-same-owner --no-same-permissions`,
      `chown -R root:root ${APP_ROOT}.gate-new`, `chmod -R u=rwX,go=rX ${APP_ROOT}.gate-new`,
      `mv ${APP_ROOT} ${APP_ROOT}.gate-old`, `mv ${APP_ROOT}.gate-new ${APP_ROOT}`];
  const chdir = build.kind === 'wheel' ? WHEEL_RUN_DIR : APP_ROOT;
  const script = [
    'set -eu',
    ...place,
    `mkdir -p ${q(GATE_DROPIN.replace(/\/[^/]+$/, ''))}`,
    `printf %s ${q(gateDropIn(build, chdir))} > ${q(GATE_DROPIN)}`,
    // The build's migrations run against PostgreSQL directly (as first boot does), as the app user, with its env.
    `(set -a; . /etc/kiln/app.env; set +a; export KILN_DB_PORT=5432 DJANGO_SETTINGS_MODULE=${q(`${pkg}.settings`)} PYTHONPATH=${q(chdir)} PYTHONDONTWRITEBYTECODE=1; cd ${q(chdir)}; runuser -u ${APP_USER} -- ${VENV}/bin/python -m django migrate --noinput)`,
    'systemctl daemon-reload',
    `systemctl restart ${APP_UNIT}`,
    `systemctl is-active ${APP_UNIT}`,
  ].join('\n');
  return { script, chdir };
}

async function stageBuild(session: SshSession, host: HostDescription, build: AppBuild): Promise<string> {
  const made = await session.exec('mktemp -d /tmp/kiln-gate.XXXXXXXX', { timeoutSec: 20 });
  const stage = made.stdout.trim();
  if (made.exitCode !== 0 || !STAGE.test(stage)) throw new AppInstallError(`could not make a staging dir on the box: ${made.stderr.trim() || stage}`);
  const local = build.kind === 'wheel' ? build.path : await packDir(build.path);
  const { sftp, end } = await openSftp(host);
  try {
    await put(sftp, local, `${stage}/${build.kind === 'wheel' ? build.name : 'app.tgz'}`);
  } finally {
    end();
    if (build.kind === 'dir') await rm(join(local, '..'), { recursive: true, force: true });
  }
  return stage;
}

async function packDir(dir: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'kiln-gate-pack-'));
  const list = join(work, 'files');
  await writeFile(list, sourceFiles(dir).join('\0'));
  const out = join(work, 'app.tgz');
  await execa('tar', ['-C', dir, '--null', '-T', list, '--owner=0', '--group=0', '--numeric-owner', '-czf', out]);
  return out;
}

/** Waits for /health (200) through nginx, then checks each endpoint of the load mix answers 2xx once. */
export async function waitForApp(address: string, port: number, timeoutSec: number): Promise<void> {
  const base = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const deadline = Date.now() + timeoutSec * 1000;
  let last = 'no answer yet';
  for (;;) {
    try {
      const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
      if (r.status === 200) break;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new AppInstallError(`the app did not answer /health through nginx within ${timeoutSec} s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const [bad] = await failingCanaryEndpoints(address, port);
  if (bad) throw new AppInstallError(`the app does not serve ${bad.path} (${bad.why}): the gate loads the canary mix (${CANARY_MIX.map((m) => m.path).join(', ')})`);
}

/** Installs `build` into the box and returns once it serves; AppInstallError (with the unit's journal tail) otherwise. */
export async function installApp(host: HostDescription, build: AppBuild, opts: InstallOptions = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const session = await SshSession.connect(host).catch((e: Error) => { throw new AppInstallError(`ssh to ${host.address}:${host.port}: ${e.message}`); });
  try {
    log(`installing ${build.kind} ${build.name} into ${host.address}`);
    const stage = await stageBuild(session, host, build);
    const { script } = installScript(build, stage);
    const r = await session.exec(script, { timeoutSec: 180, asRoot: true });
    await session.exec(`rm -rf ${q(stage)}`, { timeoutSec: 20, asRoot: true });
    if (r.exitCode !== 0) {
      const journal = await session.exec(`journalctl -u ${APP_UNIT} -n 20 --no-pager -o cat`, { timeoutSec: 20, asRoot: true });
      throw new AppInstallError(`installing ${build.name} failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}): ${(r.stderr || r.stdout).trim().slice(-800)}\n${APP_UNIT} journal:\n${journal.stdout.trim().slice(-1500)}`);
    }
  } finally {
    session.close();
  }
  await waitForApp(host.address, opts.httpPort ?? 80, opts.healthTimeoutSec ?? 60);
  log(`${build.name} serves on ${host.address}`);
}
