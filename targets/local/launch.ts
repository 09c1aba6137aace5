/** launch: an overlay over the image, a netns + veth, cgroup limits from the tier, a NoCloud seed, boot. */
import { randomBytes } from 'node:crypto';
import { availableParallelism, totalmem } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCatalog, findTier } from '../../images/catalog.ts';
import { InputError } from '../../images/errors.ts';
import { readInputText } from '../../images/input-file.ts';
import type { Tier } from '../../images/tiers.ts';
import { run, say } from './exec.ts';
import { createGroups, groupPath, limitsFor, setCpuQuota } from './cgroup.ts';
import { startWrapper, type Wrapper } from './box.ts';
import { installLxcfsUnit, startLxcfs } from './lxcfs.ts';
import { ensureLowerDir, findImage, imageUserDataPath } from './image.ts';
import { type BootTimings, type BoxHostDescription, writeRecord } from './instance.ts';
import { claimSubnet, createNetwork } from './net.ts';
import { claimId, writeOwner } from './owner.ts';
import { defaultStateDir, instanceDir } from './paths.ts';
import { preflight } from './preflight.ts';
import { BOX_USER, buildSeed, writeSeed } from './seed.ts';
import { awaitReady } from './ready.ts';
import { teardown } from './teardown.ts';

export interface LaunchInput {
  imageRef: string;
  /** A tier name from the catalog, or a Tier. */
  tier: string | Tier;
  /** Launch id (1-12 of a-z0-9); random when absent. Must not be in use on this host. */
  id?: string;
  stateDir?: string;
  /** Once booted, cap CPU at the tier's burstable baseline share (a T instance out of credits); boots at full quota. */
  burstBaseline?: boolean;
  /** Pin the box to these CPUs (cpuset syntax, e.g. "1"). */
  cpus?: string;
  /** User data to seed instead of the one baked alongside the image. */
  userDataPath?: string;
  /** Box-sized /proc/meminfo etc. via lxcfs (default: when lxcfs and /dev/fuse exist). */
  lxcfs?: boolean;
  /** Seconds for the whole boot (ssh, cloud-init, all units) before the box is torn down as failed. */
  readyTimeoutSec?: number;
  /** A JSON file of secret names to values (e.g. DATABASE_URL): the box reads it at first boot, read-only, never from its disk. */
  secretsFile?: string;
}

/** Where a box's first boot finds its secrets file (templates/firstboot/kiln_secrets.py SECRETS_FILE). */
export const SECRETS_MOUNT = '/run/kiln';

/** The secrets file, checked before anything boots: names to strings, and nothing else. */
async function readSecrets(file: string): Promise<string> {
  const text = readInputText('--secrets', file, 'JSON file of secret names to strings', 'fix or replace the file');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      '--secrets',
      file,
      `a readable JSON file of secret names to strings (${(e as Error).message.split('\n')[0]})`,
      'fix or replace the file',
    );
  }
  const ok =
    typeof doc === 'object'
    && doc !== null
    && !Array.isArray(doc)
    && Object.entries(doc).every(([k, v]) => /^[A-Z][A-Z0-9_]{0,63}$/.test(k) && typeof v === 'string');
  if (!ok)
    throw new InputError(
      '--secrets',
      file,
      'a JSON object mapping NAMES (A-Z, 0-9, _) to strings',
      'write e.g. {"DATABASE_URL": "postgres://..."}',
    );
  return JSON.stringify(doc);
}

export function resolveTier(tier: string | Tier): Tier {
  const t = typeof tier === 'string' ? findTier(buildCatalog(), tier) : tier;
  const hostMiB = Math.floor(totalmem() / 2 ** 20);
  if (t.ramMiB >= hostMiB)
    throw new InputError('tier', t.name, `this machine has ${hostMiB} MiB RAM; a box needs less than that`, 'pick a smaller tier');
  if (t.vcpus > availableParallelism()) {
    throw new InputError(
      'tier',
      t.name,
      `tier has ${t.vcpus} vCPUs, this machine ${availableParallelism()}`,
      'pick a tier with fewer vCPUs or a bigger machine',
    );
  }
  return t;
}

export async function launch(input: LaunchInput): Promise<BoxHostDescription> {
  const t0 = Date.now();
  const ms = () => Date.now() - t0;
  const stateDir = input.stateDir ?? defaultStateDir();
  const tier = resolveTier(input.tier);
  await preflight('launch');
  const image = await findImage(stateDir, input.imageRef);
  const secrets = input.secretsFile ? await readSecrets(input.secretsFile) : undefined;
  const id = input.id ?? `k${randomBytes(4).toString('hex')}`;
  const owner = await claimId(id, stateDir);
  let wrapper: Wrapper | undefined;
  try {
    const net = await claimSubnet(id);
    // Boot at full quota (launch credits); the baseline, if asked for, applies once the box is ready.
    let limits = limitsFor(tier.ramMiB, tier.vcpus, undefined, input.cpus);
    if (input.burstBaseline && tier.burstBaselineShare === undefined) {
      throw new InputError('burstBaseline', true, `tier ${tier.name} is not burstable`, 'drop the option or pick a T-class tier');
    }
    await writeRecord(stateDir, { id, imageRef: image.ref, tier: tier.name, net, limits });
    const lower = await ensureLowerDir(stateDir, image.ref);
    const dir = instanceDir(stateDir, id);
    const p = { dir, root: join(dir, 'root'), seed: join(dir, 'seed') };
    for (const d of ['upper', 'work', 'root', 'ssh']) await mkdir(join(dir, d), { recursive: true });
    await run('mount', [
      '-t',
      'overlay',
      `overlay-kiln-${id}`,
      '-o',
      `lowerdir=${lower},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`,
      p.root,
    ]);
    const overlayMs = ms();
    const keyPath = join(dir, 'ssh/id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `kiln-${id}`, '-f', keyPath]);
    const userData = await readFile(input.userDataPath ?? imageUserDataPath(stateDir, image.ref), 'utf8');
    await writeSeed(p.seed, buildSeed({ id, userData, publicKey: (await readFile(`${keyPath}.pub`, 'utf8')).trim(), net }));
    await createNetwork(id, net);
    const groups = await createGroups(id, limits);
    const lxcfs = input.lxcfs === false ? undefined : await startLxcfs(dir);
    if (lxcfs) await installLxcfsUnit(p.root);
    const binds = lxcfs ? [`--bind=${lxcfs}:/var/lib/lxcfs`] : [];
    if (secrets !== undefined) {
      // In the instance dir (gone with the box), bound read-only: never in the image, the overlay or the user data.
      await mkdir(join(dir, 'secrets'), { mode: 0o700 });
      await writeFile(join(dir, 'secrets/secrets.json'), secrets, { mode: 0o600 });
      binds.push(`--bind-ro=${join(dir, 'secrets')}:${SECRETS_MOUNT}`);
    }
    wrapper = await startWrapper(id, p, groups, binds);
    await writeOwner({ ...owner, wrapperPid: wrapper.pid, wrapperStartTicks: wrapper.startTicks });
    await writeRecord(stateDir, { id, imageRef: image.ref, tier: tier.name, net, limits, wrapper });
    say(`box ${id} booting (${tier.name}: ${tier.ramMiB} MiB, quota ${limits.cpuQuotaUs / limits.cpuPeriodUs} CPU) at ${net.guestAddress}`);
    const knownHostsPath = join(dir, 'ssh/known_hosts');
    const ready = await awaitReady({
      id,
      root: p.root,
      wrapper,
      knownHostsPath,
      t0,
      timeoutSec: input.readyTimeoutSec ?? 120,
      target: { address: net.guestAddress, port: 22, user: BOX_USER, keyPath, knownHostsPath },
    });
    const timings: BootTimings = { overlayMs, ...ready.timings };
    if (input.burstBaseline) {
      limits = limitsFor(tier.ramMiB, tier.vcpus, tier.burstBaselineShare, input.cpus);
      await setCpuQuota(id, limits.cpuQuotaUs);
    }
    const host: BoxHostDescription = {
      id,
      target: 'local',
      imageRef: image.ref,
      tier: tier.name,
      address: net.guestAddress,
      port: 22,
      user: BOX_USER,
      keyPath,
      hostKey: ready.hostKey,
      knownHostsPath,
      cgroup: {
        memory: groupPath('memory', id),
        cpu: groupPath('cpu', id),
        cpuacct: groupPath('cpuacct', id),
        cpuset: groupPath('cpuset', id),
        pids: groupPath('pids', id),
      },
      pid: wrapper.pid,
      root: p.root,
      limits,
      timings,
    };
    await writeRecord(stateDir, { id, imageRef: image.ref, tier: tier.name, net, limits, wrapper, host });
    await writeFile(join(dir, 'host.json'), `${JSON.stringify(host, null, 2)}\n`);
    await writeOwner({ ...owner, phase: 'running', wrapperPid: wrapper.pid, wrapperStartTicks: wrapper.startTicks });
    say(`box ${id} ready: ssh ${timings.sshMs} ms, cloud-init ${timings.cloudInitMs} ms, all units ${timings.readyMs} ms`);
    return host;
  } catch (e) {
    say(`launch of ${id} failed; tearing it down`);
    const left = await teardown(id, stateDir, wrapper, 5).catch((te: Error) => [te.message]);
    if (left.length) say(`teardown left: ${left.join('; ')} (run kiln janitor)`);
    throw e;
  }
}
