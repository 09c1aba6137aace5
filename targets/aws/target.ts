/**
 * The AWS target behind the common Target shape, over targets/aws's functions. Settings come from
 * aws/settings.ts (flags or KILN_AWS_*); clients refuse to start without credentials. The heavy parts
 * (CDKTF synth for launch and deploy) load only when used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { DISTROS } from '../../images/distro.ts';
import { InputError } from '../../images/errors.ts';
import type { Arch } from '../../images/packer/input.ts';
import { VARS_PATH } from '../../images/packer/targets.ts';
import { DEFAULT_BAKE, packerVars } from '../../images/packer/vars.ts';
import type { Tier } from '../../images/tiers.ts';
import { WEB } from '../../images/web.ts';
import type { HostDescription } from '../../verify/host.ts';
import { imageFiles, type BakedImage, type Log, type PromotionRecord, type Target } from '../target.ts';
import { bake } from './bake.ts';
import { awsClients, type AwsClients } from './clients.ts';
import { janitor } from './janitor.ts';
import { DEFAULT_PREFIX } from './pointer.ts';
import { promote } from './promote.ts';
import { promoted } from './promoted.ts';
import { revoke } from './revoke.ts';
import { awsSettings, checkTagSyntax, required, type AwsTargetOptions } from './settings.ts';
import { tagMap } from './tags.ts';
import { readVerdict } from './verdict.ts';

/** Operations only a target with a fleet has (typed capability, so commands never branch on a name). */
export interface FleetOps {
  deploy(req: { tier: Tier; fleetEnvPath: string; apply: boolean; log?: Log }): Promise<unknown>;
  revoke(req: { tier: string; version: number; reason?: string }): Promise<unknown>;
}

interface ImageRecord { ref: string; tier: string; renderManifestSha256: string; manifestFiles: { path: string; sha256: string }[]; packageVersions?: Record<string, string> }

const AMI_REF = /^(?:([a-z]{2}(?:-[a-z]+)+-\d+):)?(ami-[0-9a-f]{8,17})$/;
const LAUNCH_ID = /^[a-z0-9][a-z0-9-]{0,23}$/;
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The bake's Packer vars through the checked path (images/packer/vars.ts: patterns and tag rules), plus bake-time tags. */
function checkedVars(tier: Tier, bundleDir: string, o: { region: string; bakeId: string; ttlHours: number; subnetId: string; vpcId: string; tags: Record<string, string> }) {
  const path = join(bundleDir, VARS_PATH);
  if (!existsSync(path)) throw new InputError('bundle', bundleDir, `a kiln render output with ${VARS_PATH}`, 'render the tier for ubuntu2404 first');
  const base = readJson<Record<string, unknown>>(path);
  const arch: Arch = tier.instanceTypes.x86_64[0] === base.instance_type ? 'x86_64' : 'arm64';
  const recipe = { ...WEB, name: String(base.recipe), tags: (base.tags ?? {}) as Record<string, string> };
  const vars = packerVars(
    { tier, recipe, distro: DISTROS.ubuntu2404, imageHash: String(base.image_hash), arch },
    { ...DEFAULT_BAKE, region: o.region, bakeId: o.bakeId, ttlHours: o.ttlHours, subnetId: o.subnetId, vpcId: o.vpcId, tags: o.tags },
  );
  checkTagSyntax(vars.tags as Record<string, string>, 'tags');
  return vars;
}

export function awsTarget(opts: AwsTargetOptions = {}): Target & { fleet: FleetOps } {
  const s = awsSettings(opts);
  let clients: AwsClients | undefined;
  const c = () => (clients ??= awsClients({ region: required(s, ['region'], 'an AWS target operation').region, env: s.env }));
  const imagesDir = join(s.workDir, 'images');
  const launchesDir = join(s.workDir, 'launches');
  const pointer = { parameterPrefix: s.ssmPrefix };

  async function image(ref: string): Promise<BakedImage> {
    const m = AMI_REF.exec(ref);
    if (!m) throw new InputError('--image', ref, 'an AWS image ref (region:ami-… or ami-…)', 'pass the ref `kiln bake --target aws` printed');
    const amiId = m[2];
    const found = (await c().ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: [amiId] }] }))).Images?.[0];
    if (!found) throw new InputError('--image', ref, `an AMI visible in ${s.region}`, 'pass the ref `kiln bake --target aws` printed, in the region it was baked in');
    const tags = tagMap(found.Tags);
    const recordPath = join(imagesDir, `${amiId}.json`);
    // The bake's own record holds the render manifest; without it the files check falls back to a fresh render.
    const rec = existsSync(recordPath) ? readJson<ImageRecord>(recordPath) : undefined;
    return {
      ref: `${s.region}:${amiId}`, tier: tags['kiln:tier'] ?? rec?.tier ?? '', reused: true, distro: 'ubuntu2404',
      // Without the bake's record (another machine baked it) there are no package versions: the verdict fails closed.
      lineage: { baseImage: tags['kiln:source-ami'] ?? '', packageVersions: rec?.packageVersions ?? {}, renderManifestSha256: rec?.renderManifestSha256 ?? '' },
      manifestFiles: rec?.manifestFiles ?? [],
    };
  }

  return {
    name: 'aws',
    distro: 'ubuntu2404',
    async bake({ tier, bundleDir, log }) {
      const { region } = required(s, ['region'], 'kiln bake --target aws');
      const bakeId = `${tier.name}-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(2).toString('hex')}`;
      const vars = checkedVars(tier, bundleDir, { region, bakeId, ttlHours: s.ttlHours, subnetId: s.subnetId, vpcId: s.vpcId, tags: s.tags });
      const r = await bake({ tier: tier.name, bundleDir, workDir: join(s.workDir, 'bakes', bakeId), bakeId, region, ttlHours: s.ttlHours, vars, env: s.env, log });
      const manifestText = readFileSync(join(bundleDir, 'manifest.json'));
      const rec: ImageRecord = {
        ref: `${region}:${r.amiId}`, tier: tier.name, renderManifestSha256: createHash('sha256').update(manifestText).digest('hex'),
        manifestFiles: imageFiles(manifestText.toString()), packageVersions: r.packages,
      };
      mkdirSync(imagesDir, { recursive: true });
      writeFileSync(join(imagesDir, `${r.amiId}.json`), JSON.stringify(rec, null, 2) + '\n');
      return { ...(await image(rec.ref)), reused: false };
    },
    image,
    async launch({ ref, tier, id, cpus, burstBaseline, readyTimeoutSec, log }): Promise<HostDescription> {
      // The instance type sets CPU on EC2; refusing beats silently ignoring what the caller asked for.
      if (cpus !== undefined) throw new InputError('--cpus', cpus, 'applies to --target local only (EC2 instances are not pinned)', 'drop --cpus');
      if (burstBaseline) throw new InputError('--burst-baseline', true, 'applies to --target local only (a T instance runs out of credits by itself)', 'drop --burst-baseline');
      const net = required(s, ['region', 'vpcId', 'subnetId', 'verifierCidr'], 'kiln launch --target aws');
      if (!LAUNCH_ID.test(id)) throw new InputError('--id', id, '1-24 of a-z, 0-9 and -', 'pick a shorter launch id');
      const img = await image(ref);
      const { launch } = await import('./launch.ts');
      const host = await launch(c(), {
        tier, amiId: img.ref.split(':')[1], ...net, runId: id, ttlHours: s.ttlHours,
        outdir: join(s.workDir, 'cdktf.out'), workDir: join(s.workDir, 'keys'), hostKeyTimeoutSec: readyTimeoutSec, log,
      });
      mkdirSync(launchesDir, { recursive: true });
      writeFileSync(join(launchesDir, `${id}.json`), JSON.stringify(host, null, 2) + '\n');
      return host;
    },
    async destroy(id) {
      const path = join(launchesDir, `${id}.json`);
      if (!LAUNCH_ID.test(id) || !existsSync(path)) {
        const known = existsSync(launchesDir) ? readdirSync(launchesDir).map((n) => n.replace(/\.json$/, '')) : [];
        throw new InputError('--id', id, known.length ? `a launch of this work dir: ${known.join(', ')}` : 'a launch of this work dir (none recorded)', 'pass the id given to kiln launch, or run kiln janitor --target aws');
      }
      const { destroy } = await import('./launch.ts');
      await destroy(readJson<{ stackDir: string }>(path).stackDir);
    },
    async promote({ verdictPath }): Promise<PromotionRecord> {
      const v = readVerdict(verdictPath);
      const before = await promoted(c(), v.tier, pointer);
      const r = await promote(c(), { tier: v.tier, amiId: v.amiId, verdictPath, parameterPrefix: s.ssmPrefix });
      return { tier: r.tier, ref: `${s.region}:${r.amiId}`, verdictDigest: `sha256:${r.verdictDigest}`, ...(before ? { previousRef: `${s.region}:${before.amiId}` } : {}) };
    },
    async promoted(tier) {
      const p = await promoted(c(), tier, pointer);
      if (!p) return undefined;
      // Fail closed: an unverified or revoked pointer is never handed out as a baseline or for deploy.
      if (p.problems.length) throw new Error(`${p.parameter} version ${p.version} (${p.amiId}) cannot be used: ${p.problems.join('; ')}`);
      // Same digest notation as the local registry (`sha256:<hex>`).
      return { tier, ref: `${s.region}:${p.amiId}`, verdictDigest: `sha256:${p.verdictDigest}` };
    },
    janitor: ({ dryRun }) => janitor(c(), { apply: !dryRun }),
    fleet: {
      async deploy({ tier, fleetEnvPath, apply, log }) {
        // targets/aws/deploy.ts resolves the pointer under the default prefix only.
        if (s.ssmPrefix !== DEFAULT_PREFIX) throw new InputError('--ssm-prefix', s.ssmPrefix, `deploy reads the pointer under ${DEFAULT_PREFIX} only`, `drop --ssm-prefix / KILN_AWS_SSM_PREFIX for deploy`);
        const { deploy, loadFleetEnv } = await import('./index.ts');
        return deploy(c(), { tier, env: loadFleetEnv(fleetEnvPath), outdir: join(s.workDir, 'cdktf.out'), apply, log });
      },
      revoke: (req) => revoke(c(), { ...req, parameterPrefix: s.ssmPrefix }),
    },
  };
}
