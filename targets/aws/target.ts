/**
 * The AWS target behind the common Target shape, over targets/aws's functions. Settings come from
 * aws/settings.ts (flags or KILN_AWS_*); clients refuse to start without credentials. The heavy parts
 * (CDKTF synth for launch and deploy) load only when used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { InputError } from '../../images/errors.ts';
import type { PackerLayer } from '../../images/packer/targets.ts';
import type { Tier } from '../../images/tiers.ts';
import type { Recipe } from '../../images/web.ts';
import { appProfileOf } from '../../model/lineage.ts';
import type { HostDescription } from '../../model/host.ts';
import { readImageBundle } from '../../model/image-bundle.ts';
import type { ImageLayer } from '../../model/lineage.ts';
import { imageFiles, type BakedImage, type Log, type PromotionRecord, type Target } from '../target.ts';
import { bake } from './bake.ts';
import type { DeployResult } from './deploy.ts';
import { bakeTimeVars } from './bake-vars.ts';
import { awsClients, type AwsClients } from './clients.ts';
import { janitor } from './janitor.ts';
import type { AwsHost } from './launch.ts';
import { AMI_REF, bundleApp, layersOf, releaseBase } from './layers.ts';
import { DEFAULT_PREFIX } from './pointer.ts';
import { promote } from './promote.ts';
import { promoted } from './promoted.ts';
import { revoke } from './revoke.ts';
import { awsSettings, required, type AwsTargetOptions } from './settings.ts';
import { TAG, tagMap } from './tags.ts';
import { readVerdict } from './verdict.ts';

/** Operations only a target with a fleet has (typed capability, so commands never branch on a name). */
export interface FleetOps {
  /** `recipe`: its app's promoted release (`<tier>.<app>`) is deployed; the canary (default) deploys the tier's base image. */
  deploy(req: { tier: Tier; recipe?: Recipe; fleetEnvPath: string; apply: boolean; log?: Log }): Promise<DeployResult>;
  revoke(req: { tier: string; version: number; reason?: string }): Promise<unknown>;
}

interface ImageRecord {
  ref: string;
  tier: string;
  renderManifestSha256: string;
  manifestFiles: { path: string; sha256: string }[];
  packageVersions?: Record<string, string>;
  /** Bottom first; a release's start at the OS image under its base (the AMI's tags alone only reach the base). */
  layers?: ImageLayer[];
}

const LAUNCH_ID = /^[a-z0-9][a-z0-9-]{0,23}$/;
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

export function awsTarget(opts: AwsTargetOptions = {}): Target & { fleet: FleetOps } {
  const s = awsSettings(opts);
  let clients: AwsClients | undefined;
  const c = () => (clients ??= awsClients({ region: required(s, ['region'], 'an AWS target operation').region, env: s.env }));
  const imagesDir = join(s.workDir, 'images');
  const launchesDir = join(s.workDir, 'launches');
  const pointer = { parameterPrefix: s.ssmPrefix };

  async function image(ref: string): Promise<BakedImage> {
    const m = AMI_REF.exec(ref);
    if (!m)
      throw new InputError('--image', ref, 'an AWS image ref (region:ami-… or ami-…)', 'pass the ref `kiln bake --target aws` printed');
    const amiId = m[2];
    const found = (await c().ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: [amiId] }] }))).Images?.[0];
    if (!found)
      throw new InputError(
        '--image',
        ref,
        `an AMI visible in ${s.region}`,
        'pass the ref `kiln bake --target aws` printed, in the region it was baked in',
      );
    const tags = tagMap(found.Tags);
    const recordPath = join(imagesDir, `${amiId}.json`);
    // The bake's own record holds the render manifest; without it the files check falls back to a fresh render.
    const rec = existsSync(recordPath) ? readJson<ImageRecord>(recordPath) : undefined;
    const bundle = await readImageBundle(join(imagesDir, `${amiId}.bundle`)).catch(() => null);
    const layers = rec?.layers ?? layersOf(tags, `${s.region}:${amiId}`);
    return {
      bundle,
      ref: `${s.region}:${amiId}`,
      tier: tags[TAG.tier] ?? rec?.tier ?? '',
      reused: true,
      distro: 'ubuntu2404',
      // Without the bake's record (another machine baked it) there are no package versions: the verdict fails closed.
      lineage: {
        baseImage: tags[TAG.sourceAmi] ?? '',
        packageVersions: rec?.packageVersions ?? {},
        renderManifestSha256: rec?.renderManifestSha256 ?? '',
        ...(layers.length ? { layers } : {}),
        ...(bundle ? { appProfile: appProfileOf(bundle.manifest.recipe.app) } : {}),
      },
      manifestFiles: rec?.manifestFiles ?? [],
    };
  }

  return {
    name: 'aws',
    distro: 'ubuntu2404',
    async bake({ tier, bundleDir, base, log }) {
      const { region } = required(s, ['region'], 'kiln bake --target aws');
      const app = bundleApp(bundleDir);
      if (base !== undefined && !app)
        throw new InputError(
          '--base',
          base,
          "only for a bundle with a team's app (a release)",
          'drop --base: a bundle without an app bakes a base image',
        );
      // A release: the base AMI is checked before anything is created, and its own layers go under the release's.
      const under = base === undefined ? undefined : await releaseBase(c().ec2, base, tier.name, region);
      const baseLayers = under ? ((await image(under.ref)).lineage.layers ?? []) : [];
      const layer: PackerLayer = under ? 'app' : 'full';
      const bakeId = `${tier.name}-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(2).toString('hex')}`;
      const vars = bakeTimeVars(tier, bundleDir, layer, {
        region,
        bakeId,
        ttlHours: s.ttlHours,
        subnetId: s.subnetId,
        vpcId: s.vpcId,
        tags: s.tags,
        appSha256: app?.sha256,
        sourceAmi: under?.amiId,
        sshSourceCidr: s.verifierCidr || undefined,
      });
      if (under) log?.(`bake: a release of ${app!.name} on ${under.ref}`);
      const r = await bake({
        tier: tier.name,
        bundleDir,
        workDir: join(s.workDir, 'bakes', bakeId),
        bakeId,
        region,
        ttlHours: s.ttlHours,
        vars,
        layer,
        env: s.env,
        log,
      });
      const manifestText = readFileSync(join(bundleDir, 'manifest.json'));
      const built = (await c().ec2.send(new DescribeImagesCommand({ ImageIds: [r.amiId] }))).Images?.[0];
      const rec: ImageRecord = {
        ref: `${region}:${r.amiId}`,
        tier: tier.name,
        renderManifestSha256: createHash('sha256').update(manifestText).digest('hex'),
        manifestFiles: imageFiles(manifestText.toString()),
        packageVersions: r.packages,
        layers: layersOf(tagMap(built?.Tags), `${region}:${r.amiId}`, baseLayers),
      };
      mkdirSync(imagesDir, { recursive: true });
      // The image keeps what it was rendered from (verify, gate and deploy read it); not the app payload.
      cpSync(bundleDir, join(imagesDir, `${r.amiId}.bundle`), {
        recursive: true,
        filter: (src) => !/^\/(app|wheels)$/.test(src.slice(bundleDir.length)),
      });
      writeFileSync(join(imagesDir, `${r.amiId}.json`), `${JSON.stringify(rec, null, 2)}\n`);
      return { ...(await image(rec.ref)), reused: false };
    },
    image,
    async launch({ ref, tier, id, cpus, burstBaseline, readyTimeoutSec, secretsFile, beside, log }): Promise<HostDescription> {
      if (secretsFile !== undefined)
        throw new InputError(
          '--secrets',
          secretsFile,
          'applies to --target local only (an instance reads its secrets from SSM Parameter Store)',
          `put them under ${'/kiln/<tier>/app/'} in SSM and drop --secrets`,
        );
      // The instance type sets CPU on EC2; refusing beats silently ignoring what the caller asked for.
      if (cpus !== undefined)
        throw new InputError('--cpus', cpus, 'applies to --target local only (EC2 instances are not pinned)', 'drop --cpus');
      if (burstBaseline)
        throw new InputError(
          '--burst-baseline',
          true,
          'applies to --target local only (a T instance runs out of credits by itself)',
          'drop --burst-baseline',
        );
      const net = required(s, ['region', 'vpcId', 'subnetId', 'verifierCidr'], 'kiln launch --target aws');
      if (!LAUNCH_ID.test(id)) throw new InputError('--id', id, '1-24 of a-z, 0-9 and -', 'pick a shorter launch id');
      const img = await image(ref);
      const { launch } = await import('./launch.ts');
      const peer =
        beside === undefined
          ? undefined
          : existsSync(join(launchesDir, `${beside}.json`))
            ? readJson<AwsHost>(join(launchesDir, `${beside}.json`)).verifier
            : undefined;
      // A box launched before a verifier's group was recorded cannot share it: refuse rather than open the box to the runner.
      if (beside !== undefined && !peer?.securityGroupId) {
        throw new InputError(
          '--beside',
          beside,
          'a box launched before from this work dir, with a verifier of its own',
          `launch ${beside} first (or again, if it was launched by an older kiln), then this box beside it`,
        );
      }
      const host = await launch(c(), {
        tier,
        amiId: img.ref.split(':')[1],
        ...net,
        runId: id,
        ttlHours: s.ttlHours,
        beside: peer,
        outdir: join(s.workDir, 'cdktf.out'),
        workDir: join(s.workDir, 'keys'),
        hostKeyTimeoutSec: readyTimeoutSec,
        log,
      });
      mkdirSync(launchesDir, { recursive: true });
      writeFileSync(join(launchesDir, `${id}.json`), `${JSON.stringify(host, null, 2)}\n`);
      return host;
    },
    async destroy(id) {
      const path = join(launchesDir, `${id}.json`);
      if (!LAUNCH_ID.test(id) || !existsSync(path)) {
        const known = existsSync(launchesDir) ? readdirSync(launchesDir).map((n) => n.replace(/\.json$/, '')) : [];
        throw new InputError(
          '--id',
          id,
          known.length ? `a launch of this work dir: ${known.join(', ')}` : 'a launch of this work dir (none recorded)',
          'pass the id given to kiln launch, or run kiln janitor --target aws',
        );
      }
      const { destroy } = await import('./launch.ts');
      await destroy(readJson<{ stackDir: string }>(path).stackDir);
    },
    async promote({ verdictPath }): Promise<PromotionRecord> {
      const v = readVerdict(verdictPath);
      // On its channel (the tier, or `<tier>.<app>` for a release); what it replaced comes from the pointer's own history.
      const r = await promote(c(), { tier: v.tier, amiId: v.amiId, verdictPath, parameterPrefix: s.ssmPrefix });
      return {
        tier: r.channel,
        ref: `${s.region}:${r.amiId}`,
        verdictDigest: `sha256:${r.verdictDigest}`,
        ...(r.previousAmiId ? { previousRef: `${s.region}:${r.previousAmiId}` } : {}),
      };
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
      async deploy({ tier, recipe, fleetEnvPath, apply, log }) {
        // targets/aws/deploy.ts resolves the pointer under the default prefix only.
        if (s.ssmPrefix !== DEFAULT_PREFIX)
          throw new InputError(
            '--ssm-prefix',
            s.ssmPrefix,
            `deploy reads the pointer under ${DEFAULT_PREFIX} only`,
            `drop --ssm-prefix / KILN_AWS_SSM_PREFIX for deploy`,
          );
        const { deploy, loadFleetEnv } = await import('./index.ts');
        return deploy(c(), { tier, recipe, env: loadFleetEnv(fleetEnvPath), outdir: join(s.workDir, 'cdktf.out'), apply, log });
      },
      revoke: (req) => revoke(c(), { ...req, parameterPrefix: s.ssmPrefix }),
    },
  };
}
