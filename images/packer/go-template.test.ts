/**
 * Why kiln refuses `{{` in user tags: Debian's packer 1.6.6 building against moto (loopback only) shows the
 * amazon builder evaluating Go templates in tag values at build time, and an escaped `{{"{{"}}` being
 * evaluated too (the value is rendered more than once).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { baseAmi, startMoto, type Moto } from '../../targets/aws/moto.testkit.ts';
import { runPacker } from '../../pipeline/validate/packer-env.ts';

let moto: Moto | undefined;
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-go-template-'));
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A loopback port nobody listens on: Packer's SSH wait fails there in seconds, then it cleans up. */
const closedPort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });

it('run_tags values are Go templates at build time, even when escaped', async () => {
  const ami = await baseAmi(moto!.clients().ec2);
  const escaped = '{{"{{"}} .SourceAMI }}';
  await writeFile(
    join(dir, 'b.pkr.hcl'),
    `variable "x" {
  type = string
}

source "amazon-ebs" "g" {
  region                 = "us-east-1"
  custom_endpoint_ec2    = "${moto!.endpoint}"
  skip_region_validation = true
  source_ami             = "${ami}"
  instance_type          = "t3.nano"
  ssh_username           = "ubuntu"
  ssh_host               = "127.0.0.1"
  ssh_port               = ${await closedPort()}
  ssh_timeout            = "3s"
  ami_name               = "kiln-go-template-probe"
  run_tags = {
    kiln-probe = var.x
  }
}

build {
  sources = ["source.amazon-ebs.g"]
}
`,
  );
  await writeFile(join(dir, 'b.json'), JSON.stringify({ x: `raw:{{ .SourceAMI }} escaped:${escaped}` }));
  const r = await runPacker(['build', '-var-file=b.json', 'b.pkr.hcl'], dir, join(dir, 'scratch'), 120, undefined, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });
  expect(r.output).toMatch(/Timeout waiting for SSH/);
  const res = await moto!.clients().ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['kiln-probe'] }] }));
  const tags = res.Reservations!.flatMap((x) => x.Instances!).flatMap((i) => i.Tags ?? []);
  expect(tags.find((t) => t.Key === 'kiln-probe')?.Value).toBe(`raw:${ami} escaped:${ami}`);
});
