/** Test helper: an AWS API emulator (moto's server mode, extended in ./emulator/) on loopback, and real SDK v3 clients pointed at it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';

const repo = resolve(import.meta.dirname, '../..');

export interface Moto {
  endpoint: string;
  pid: number;
  clients: () => { ec2: EC2Client; ssm: SSMClient; autoscaling: AutoScalingClient };
  /** Wipes all emulated state (moto's reset endpoint), so tests stay independent. */
  reset: () => Promise<void>;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

async function waitUp(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the AWS emulator exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${endpoint}/moto-api/data.json`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the AWS emulator did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** `env` reaches the emulator's process, e.g. MOTO_RECORDER_FILEPATH for moto's request recorder. */
export async function startMoto(opts: { env?: Record<string, string> } = {}): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // moto's server plus the APIs moto lacks (targets/aws/emulator/ext_*.py).
  const child = spawn(
    resolve(repo, '.venv/bin/python'),
    [resolve(repo, 'targets/aws/emulator/server.py'), '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...opts.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
    },
  );
  // If the test process dies without afterAll, the emulator must not outlive it.
  const reap = () => {
    try {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', reap);
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  try {
    await waitUp(endpoint, child, 60_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  const config = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  };
  return {
    endpoint,
    pid: child.pid!,
    clients: () => ({ ec2: new EC2Client(config), ssm: new SSMClient(config), autoscaling: new AutoScalingClient(config) }),
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
      }, 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

const baseCache = new WeakMap<EC2Client, string>();
/** One of moto's built-in public AMIs to launch from (listing all of them is slow: cached per client). */
export async function baseAmi(ec2: EC2Client): Promise<string> {
  const hit = baseCache.get(ec2);
  if (hit) return hit;
  const { DescribeImagesCommand } = await import('@aws-sdk/client-ec2');
  const id = (
    await ec2.send(
      new DescribeImagesCommand({
        Owners: ['amazon'],
        Filters: [
          { Name: 'architecture', Values: ['x86_64'] },
          { Name: 'root-device-type', Values: ['ebs'] },
        ],
      }),
    )
  ).Images![0].ImageId!;
  baseCache.set(ec2, id);
  return id;
}

/**
 * An AMI made the way a bake makes one (an instance, then CreateImage), tagged like kiln tags it: the image and,
 * as the template's snapshot_tags do, its snapshots (`untaggedSnapshots` leaves them bare, as a tool outside kiln would).
 */
export async function makeAmi(
  ec2: EC2Client,
  name: string,
  tags: Record<string, string> = {},
  opts: { untaggedSnapshots?: boolean } = {},
): Promise<{ amiId: string; instanceId: string; snapshotIds: string[] }> {
  const { DescribeImagesCommand, RunInstancesCommand, CreateImageCommand } = await import('@aws-sdk/client-ec2');
  const base = await baseAmi(ec2);
  const tagSpec = (ResourceType: 'instance' | 'image' | 'snapshot') => ({
    ResourceType,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  });
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: base,
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 't3.nano',
      ...(Object.keys(tags).length ? { TagSpecifications: [tagSpec('instance')] } : {}),
    }),
  );
  const instanceId = run.Instances![0].InstanceId!;
  const imageSpecs = [tagSpec('image'), ...(opts.untaggedSnapshots ? [] : [tagSpec('snapshot')])];
  const img = await ec2.send(
    new CreateImageCommand({ InstanceId: instanceId, Name: name, ...(Object.keys(tags).length ? { TagSpecifications: imageSpecs } : {}) }),
  );
  const desc = (await ec2.send(new DescribeImagesCommand({ ImageIds: [img.ImageId!] }))).Images![0];
  const snapshotIds = (desc.BlockDeviceMappings ?? []).map((b) => b.Ebs?.SnapshotId).filter((s): s is string => Boolean(s));
  return { amiId: img.ImageId!, instanceId, snapshotIds };
}

/**
 * One CloudWatch Query API call to the emulator (kiln has no CloudWatch client): PutMetricAlarm, SetAlarmState.
 * The emulator routes by the credential scope's service; it does not check the signature.
 */
export async function cloudwatch(
  endpoint: string,
  action: 'PutMetricAlarm' | 'SetAlarmState',
  params: Record<string, string>,
): Promise<void> {
  const r = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ Action: action, Version: '2010-08-01', ...params }).toString(),
  });
  if (!r.ok) throw new Error(`CloudWatch ${action} answered ${r.status}: ${await r.text()}`);
}

/** A metric alarm as a fleet env names them, in OK until SetAlarmState says otherwise. */
export async function putAlarm(endpoint: string, name: string): Promise<void> {
  await cloudwatch(endpoint, 'PutMetricAlarm', {
    AlarmName: name,
    Namespace: 'AWS/ApplicationELB',
    MetricName: 'HTTPCode_Target_5XX_Count',
    Statistic: 'Sum',
    Period: '60',
    EvaluationPeriods: '1',
    Threshold: '10',
    ComparisonOperator: 'GreaterThanThreshold',
  });
}

export async function setAlarmState(
  endpoint: string,
  name: string,
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
  reason: string,
): Promise<void> {
  await cloudwatch(endpoint, 'SetAlarmState', { AlarmName: name, StateValue: state, StateReason: reason });
}
