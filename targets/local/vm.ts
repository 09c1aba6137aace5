/** launch --vm: the image as a whole machine under qemu (its own kernel, exactly the tier's RAM and vCPUs), root on NVMe. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tier } from '../../images/tiers.ts';
import { chooseAccelerator } from './accel.ts';
import type { Wrapper } from './box.ts';
import { limitsFor } from './cgroup.ts';
import { run, say } from './exec.ts';
import { ensureLowerDir, findImage, imageUserDataPath } from './image.ts';
import { type VmHostDescription, writeRecord } from './instance.ts';
import { ensureKernel } from './kernel.ts';
import { resolveTier } from './launch.ts';
import { claimId, procStartTicks, writeOwner } from './owner.ts';
import { defaultCacheDir, defaultStateDir, instanceDir } from './paths.ts';
import { preflight } from './preflight.ts';
import { BOX_USER, buildSeed } from './seed.ts';
import { teardown } from './teardown.ts';
import { buildDisk } from './vm-disk.ts';
import { diskSizeBytes, qemuArgs, VM_NET, type VmPlan } from './vm-plan.ts';
import { awaitVmReady } from './vm-ready.ts';

export interface VmLaunchInput {
  imageRef: string;
  tier: string | Tier;
  id?: string;
  stateDir?: string;
  /** Where the guest kernel is cached (default: the local target's cache dir). */
  cacheDir?: string;
  /** User data to seed instead of the one baked alongside the image. */
  userDataPath?: string;
  /** Seconds for the whole boot; emulation is slow, so the default is generous. */
  readyTimeoutSec?: number;
}

/** Under TCG a nano's first boot takes ~2 minutes on a shared host; KVM boots like a box. */
export const DEFAULT_VM_READY_TIMEOUT_SEC = 480;

export const EMULATED_LATENCY_NOTE =
  'software emulation (TCG): latency and throughput say nothing about the tier, so latency thresholds are not judged';

/** A free loopback port (the kernel picks it; qemu binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Paths of a VM's files inside its instance dir. */
export const vmFiles = (dir: string) => ({
  disk: join(dir, 'disk.raw'),
  console: join(dir, 'console.log'),
  qemuLog: join(dir, 'qemu.log'),
  pidFile: join(dir, 'qemu.pid'),
});

async function startQemu(args: string[], logPath: string): Promise<Wrapper> {
  const log = await open(logPath, 'a');
  try {
    const child = spawn('qemu-system-x86_64', args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
    const pid = child.pid;
    if (!pid) throw new Error('could not start qemu-system-x86_64');
    child.unref();
    return { pid, startTicks: (await procStartTicks(pid)) ?? 0 };
  } finally {
    await log.close();
  }
}

export async function launchVm(input: VmLaunchInput): Promise<VmHostDescription> {
  const t0 = Date.now();
  const stateDir = input.stateDir ?? defaultStateDir();
  const tier = resolveTier(input.tier);
  await preflight('vm');
  const image = await findImage(stateDir, input.imageRef);
  const id = input.id ?? `k${randomBytes(4).toString('hex')}`;
  const owner = await claimId(id, stateDir);
  let qemu: Wrapper | undefined;
  const limits = limitsFor(tier.ramMiB, tier.vcpus);
  try {
    await writeRecord(stateDir, { id, imageRef: image.ref, tier: tier.name, net: VM_NET, limits, machine: 'vm' });
    const kernel = await ensureKernel(input.cacheDir ?? defaultCacheDir());
    const { accel, reason } = await chooseAccelerator(kernel.vmlinuzPath);
    const lower = await ensureLowerDir(stateDir, image.ref);
    const dir = instanceDir(stateDir, id);
    const f = vmFiles(dir);
    await mkdir(join(dir, 'ssh'), { recursive: true });
    const keyPath = join(dir, 'ssh/id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `kiln-${id}`, '-f', keyPath]);
    // The same user data as a box and as EC2: the image's rendered #cloud-config plus this launch's key.
    const userData = await readFile(input.userDataPath ?? imageUserDataPath(stateDir, image.ref), 'utf8');
    const seed = buildSeed({ id, userData, publicKey: (await readFile(`${keyPath}.pub`, 'utf8')).trim(), net: VM_NET });
    await buildDisk({ dir, lower, kernel, seed, sizeBytes: diskSizeBytes(tier.rootVolumeGiB), diskPath: f.disk });
    const diskMs = Date.now() - t0;
    const plan: VmPlan = {
      id,
      tier,
      accel,
      vmlinuzPath: kernel.vmlinuzPath,
      diskPath: f.disk,
      consolePath: f.console,
      pidFilePath: f.pidFile,
      sshPort: await freePort(),
      httpPort: await freePort(),
    };
    qemu = await startQemu(qemuArgs(plan), f.qemuLog);
    await writeOwner({ ...owner, wrapperPid: qemu.pid, wrapperStartTicks: qemu.startTicks });
    await writeRecord(stateDir, { id, imageRef: image.ref, tier: tier.name, net: VM_NET, limits, machine: 'vm', wrapper: qemu });
    say(`vm ${id} booting (${tier.name}: ${tier.ramMiB} MiB, ${tier.vcpus} vCPUs, ${accel}: ${reason}); ssh on 127.0.0.1:${plan.sshPort}`);
    const knownHostsPath = join(dir, 'ssh/known_hosts');
    const target = { address: '127.0.0.1', port: plan.sshPort, user: BOX_USER, keyPath, knownHostsPath };
    const ready = await awaitVmReady({
      id,
      consolePath: f.console,
      qemuLogPath: f.qemuLog,
      qemu,
      target,
      t0,
      timeoutSec: input.readyTimeoutSec ?? DEFAULT_VM_READY_TIMEOUT_SEC,
    });
    const emulated = accel === 'tcg';
    const host: VmHostDescription = {
      id,
      target: 'local',
      machine: 'vm',
      accelerator: accel,
      acceleratorReason: reason,
      emulated,
      latencyJudged: !emulated,
      ...(emulated ? { latencyNote: EMULATED_LATENCY_NOTE } : {}),
      imageRef: image.ref,
      tier: tier.name,
      ramMiB: tier.ramMiB,
      vcpus: tier.vcpus,
      kernel: kernel.version,
      address: target.address,
      port: plan.sshPort,
      httpPort: plan.httpPort,
      user: BOX_USER,
      keyPath,
      hostKey: ready.hostKey,
      knownHostsPath,
      pid: qemu.pid,
      diskPath: f.disk,
      consolePath: f.console,
      timings: { diskMs, ...ready.timings },
    };
    await writeRecord(stateDir, { id, imageRef: image.ref, tier: tier.name, net: VM_NET, limits, machine: 'vm', wrapper: qemu, host });
    await writeFile(join(dir, 'host.json'), `${JSON.stringify(host, null, 2)}\n`);
    await writeOwner({ ...owner, phase: 'running', wrapperPid: qemu.pid, wrapperStartTicks: qemu.startTicks });
    const t = host.timings;
    say(
      `vm ${id} ready: disk ${t.diskMs} ms, host key ${t.hostKeyMs} ms, ssh ${t.sshMs} ms, cloud-init ${t.cloudInitMs} ms, all units ${t.readyMs} ms`,
    );
    return host;
  } catch (e) {
    say(`launch of vm ${id} failed; tearing it down`);
    const left = await teardown(id, stateDir, qemu, 5).catch((te: Error) => [te.message]);
    if (left.length) say(`teardown left: ${left.join('; ')} (run kiln janitor)`);
    throw e;
  }
}

/** The qemu of instance `id` from its pid file, only if that process still is that VM (a recycled PID is not). */
export async function qemuFromPidFile(dir: string, id: string): Promise<Wrapper | undefined> {
  const pid = Number((await readFile(vmFiles(dir).pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  if (!cmd.includes(`kiln-${id}`) || !cmd.some((a) => a.includes(vmFiles(dir).disk))) return undefined;
  const startTicks = await procStartTicks(pid);
  return startTicks === undefined ? undefined : { pid, startTicks };
}
