/** The target commands' contract without booting anything: bad input exits 2 naming the flag and writes nothing; AWS prerequisites fail fast. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import ssh2 from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../images/errors.ts';
import { buildVerdict } from '../verify/verdict.ts';
import { verdictInput } from '../verify/testing/fixtures.ts';

const repo = new URL('..', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'kiln-cli-targets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// No AWS settings or credentials from the caller's environment leak into these runs.
const bin = join(root, 'bin');
mkdirSync(bin);
// What bin/kiln itself needs, and nothing else (no packer): node, bash, dirname, readlink.
symlinkSync(process.execPath, join(bin, 'node'));
for (const tool of ['bash', 'dirname', 'readlink'])
  symlinkSync(execSync(`command -v ${tool}`, { shell: '/bin/bash' }).toString().trim(), join(bin, tool));
const baseEnv = { PATH: `${bin}:/usr/bin:/bin`, HOME: join(root, 'home'), KILN_AWS_WORK_DIR: join(root, 'aws-work') };
// In-process runs read process.env: no credentials, a work dir that must stay absent.
const awsWork = join(root, 'aws-work-inproc');
for (const k of Object.keys(process.env)) if (/^(AWS_|KILN_AWS_)/.test(k)) delete process.env[k];
process.env.KILN_AWS_WORK_DIR = awsWork;
process.env.HOME = join(root, 'home');
const kiln = (args: string[], env: Record<string, string> = baseEnv) =>
  execa('bin/kiln', args, { reject: false, cwd: repo, env, extendEnv: false });

let n = 0;
const scratch = () => {
  const d = join(root, `s${n++}`);
  mkdirSync(d);
  return d;
};

/** A host description that parses (existing key file, well-formed host key), for argument checks only. */
function hostFile(dir: string, extra: Record<string, unknown> = {}): string {
  const k = ssh2.utils.generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'id'), k.private, { mode: 0o600 });
  const file = join(dir, 'host.json');
  writeFileSync(
    file,
    JSON.stringify({
      address: '127.0.0.1',
      port: 22,
      user: 'kiln',
      keyPath: join(dir, 'id'),
      hostKey: k.public,
      target: 'local',
      tier: 'nano',
      ...extra,
    }),
  );
  return file;
}

function verdictFile(dir: string, mutate: (doc: any) => void = () => {}): string {
  const doc: any = JSON.parse(JSON.stringify(buildVerdict(verdictInput())));
  mutate(doc);
  const file = join(dir, 'verdict.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

/** A command's run() in this process (the binary costs ~2 s of CPU per start); cli.ts maps InputError to exit 2. */
async function runIn(argv: string[]): Promise<unknown> {
  const mod = (await import(`./cmd-${argv[0]}.ts`)) as { run: (a: string[]) => Promise<number> };
  return mod.run(argv.slice(1)).then(
    (code) => new Error(`no error, exit ${code}`),
    (e: unknown) => e,
  );
}

describe('target commands: bad input is an InputError (exit 2) naming the flag, and writes nothing', () => {
  // S = a state dir that must not come into existence; H = a host file; V = a passing local verdict; F:text = a file.
  it.each([
    [['bake', '--target', 'gcp', '--tier', 'nano'], /--target = "gcp": must be one of local, aws/],
    [['bake', '--target', 'local'], /--tier = null: is required/],
    [['bake', '--tier', 'nano'], /--target = null: is required/],
    [['bake', '--target', 'local', '--tier', 'huge', '--state-dir', 'S'], /--tier = "huge"/],
    [['bake', '--target', 'local', '--tier', 'nano', '--region', 'us-east-1'], /--region = "us-east-1": applies to --target aws only/],
    [
      ['bake', '--target', 'local', '--tier', 'nano', '--distro', 'ubuntu2404', '--state-dir', 'S'],
      /--distro = "ubuntu2404": one of debian13, debian12 for --target local/,
    ],
    [['bake', '--target', 'aws', '--tier', 'nano', '--distro', 'debian13'], /--distro = "debian13": one of ubuntu2404 for --target aws/],
    [
      ['nightly', '--tiers', 'nano', '--distro', 'debian11', '--state-dir', 'S'],
      /--distro = "debian11": one of debian13, debian12 for --target local/,
    ],
    [['launch', '--target', 'local', '--image', 'x', '--distro', 'debian12', '--state-dir', 'S'], /Unknown option '--distro'/],
    [
      ['bake', '--target', 'aws', '--tier', 'nano', '--region', 'us-east-1', '--tag', 'team={{ .SourceAMI }}'],
      /--tag team = "\{\{ \.SourceAMI \}\}".*Go template/,
    ],
    [
      ['bake', '--target', 'aws', '--tier', 'nano', '--region', 'us-east-1', '--tag', 'team=${path.root}'],
      /--tag team = "\$\{path\.root\}".*Terraform/,
    ],
    [
      ['bake', '--target', 'aws', '--tier', 'nano', '--region', 'us-east-1', '--recipe', 'F:tags:\n  team: "{{ .Path }}"\n'],
      /recipe\.tags\.team = "\{\{ \.Path \}\}"/,
    ],
    [
      ['bake', '--target', 'aws', '--tier', 'nano', '--region', 'us-east-1', '--recipe', 'F:tags:\n  team: "%{ if true }x%{ endif }"\n'],
      /tags team = .*must not contain/,
    ],
    [['bake', '--target', 'aws', '--tier', 'nano', '--subnet', 'subnet-NOPE'], /--subnet = "subnet-NOPE": must be a subnet id/],
    [
      ['launch', '--target', 'local', '--image', 'local-00000000000000000000', '--state-dir', 'S'],
      /--image = "local-00000000000000000000": no local image/,
    ],
    [['launch', '--target', 'local', '--state-dir', 'S'], /--image = null: is required/],
    [['launch', '--target', 'local', '--image', 'x', '--id', 'Bad_Id', '--state-dir', 'S'], /--id = "Bad_Id"/],
    [['launch', '--target', 'aws', '--image', 'us-east-1:ami-0123456789abcdef0', '--vm'], /--vm = true: applies to --target local only/],
    [['verify', '--tier', 'nano'], /--host = null: is required/],
    [['verify', '--host', '{"address":"10.0.0.1"}', '--tier', 'nano'], /host\.port/],
    [['verify', '--host', 'H', '--tier', 'huge'], /--tier = "huge"/],
    [['verify', '--host', 'H', '--tier', 'micro'], /--tier = "micro": the tier the box was launched as \(nano\)/],
    [['verify', '--host', 'H', '--tier', 'nano', '--duration-sec', '1'], /--duration-sec = "1": whole seconds from 5/],
    [['verify', '--host', 'H', '--tier', 'nano', '--baseline', 'F:{"decision":"pass"}'], /--baseline = .*a well-formed passing verdict/],
    [['verify', '--host', 'H', '--tier', 'nano', '--generator-cpus', 'all'], /--generator-cpus = "all"/],
    [
      ['verify', '--host', 'HV', '--tier', 'nano', '--generator-cpus', '0'],
      /--generator-cpus = "0": only when the load runs on this machine; drop it: the host's load runs on its verifier 198\.51\.100\.9/,
    ],
    [
      ['verify', '--host', 'HI', '--tier', 'nano', '--state-dir', 'S'],
      /host\.imageRef = "local-00000000000000000000": an image the local target knows .*pass the --state-dir/,
    ],
    [['promote', '--target', 'local', '--state-dir', 'S'], /--verdict = null: is required/],
    [
      ['promote', '--target', 'local', '--verdict', '/nonexistent/verdict.json', '--state-dir', 'S'],
      /--verdict = "\/nonexistent\/verdict.json": a readable verdict/,
    ],
    [['promote', '--target', 'aws', '--verdict', 'V'], /--target = "aws": the verdict's target \(local\)/],
    [['promoted', '--target', 'local', '--state-dir', 'S'], /--tier = null: is required/],
    [['promoted', '--target', 'local', '--tier', 'huge', '--state-dir', 'S'], /--tier = "huge"/],
    [['destroy', '--target', 'local', '--state-dir', 'S'], /--id = null: is required/],
    [['destroy', '--target', 'local', '--id', 'nosuchbox', '--state-dir', 'S'], /id = "nosuchbox": no box with this id/],
    [['janitor', '--target', 'local', '--apply', '--dry-run', '--state-dir', 'S'], /--apply\/--dry-run = "both": are exclusive/],
    [['janitor', '--target', 'aws', '--state-dir', 'S'], /--state-dir = .*applies to --target local only/],
    [
      ['deploy', '--target', 'local', '--tier', 'nano', '--fleet-env', 'x', '--state-dir', 'S'],
      /--target = "local": a target with a fleet \(aws\)/,
    ],
    [['deploy', '--target', 'aws', '--tier', 'nano'], /--fleet-env = null: is required/],
    [['revoke', '--target', 'aws', '--tier', 'nano', '--version', '0'], /--version = "0"/],
  ])(
    '%j',
    async (args, msg) => {
      const dir = scratch();
      const state = join(dir, 'state');
      const made = (a: string) => {
        if (a === 'S') return state;
        if (a === 'H' || a === 'HI') return hostFile(dir, a === 'HI' ? { imageRef: 'local-00000000000000000000' } : {});
        if (a === 'HV') {
          const h = JSON.parse(readFileSync(hostFile(dir), 'utf8'));
          return hostFile(dir, { target: 'aws', verifier: { ...h, address: '198.51.100.9', target: undefined, tier: undefined } });
        }
        if (a === 'V') return verdictFile(dir);
        if (!a.startsWith('F:')) return a;
        const f = join(dir, a.includes('tags:') ? 'recipe.yaml' : 'file.json');
        writeFileSync(f, a.slice(2));
        return f;
      };
      const listing = () => readdirSync(dir).sort();
      const argv = args.map(made);
      const had = listing();
      const e = await runIn(argv);
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).exitCode).toBe(2);
      expect((e as Error).message).toMatch(msg);
      expect(listing()).toEqual(had);
      expect(existsSync(state)).toBe(false);
      expect(existsSync(awsWork)).toBe(false);
    },
    30_000,
  );

  it.each([
    [['bake', '--target', 'gcp', '--tier', 'nano'], /--target = "gcp": must be one of local, aws/],
    [
      ['bake', '--target', 'aws', '--tier', 'nano', '--region', 'us-east-1', '--tag', 'team={{ .SourceAMI }}'],
      /--tag team = "\{\{ \.SourceAMI \}\}".*Go template/,
    ],
  ])(
    'through the binary: %j exits 2 with the message, no stack, empty stdout',
    async (args, msg) => {
      const r = await kiln(args);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(existsSync(baseEnv.KILN_AWS_WORK_DIR)).toBe(false);
    },
    60_000,
  );

  it('a verdict that does not pass promotes nothing (exit 1), also one edited to say pass', async () => {
    const dir = scratch();
    const state = join(dir, 'state');
    const failing = verdictFile(dir, (d) => {
      d.decision = 'fail';
      d.reasons = ['check service:nginx.service: fail'];
      d.checks[0].status = 'fail';
    });
    const r = await kiln(['promote', '--target', 'local', '--verdict', failing, '--state-dir', state]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/says fail .*nothing promoted/);
    const tampered = verdictFile(scratch(), (d) => {
      d.checks[0].status = 'fail';
    });
    const t = await runIn(['promote', '--target', 'local', '--verdict', tampered, '--state-dir', state]);
    expect(t).not.toBeInstanceOf(InputError);
    expect((t as Error).message).toMatch(/not a well-formed, earned pass: decision is pass but check service:nginx.service is fail/);
    expect(existsSync(state)).toBe(false);
  }, 60_000);
});

describe('kiln bake --target aws fails fast without its prerequisites', () => {
  const fakeRecipe = () => ['--region', 'us-east-1'];
  it("without credentials (and with Debian's too-old Packer) says what to set and what to install", async () => {
    const r = await kiln(['bake', '--target', 'aws', '--tier', 'nano', ...fakeRecipe()]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /kiln bake --target aws needs: .*AWS credentials: none found; set AWS_PROFILE .* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    expect(r.stderr).toMatch(/install Packer >= 1\.10/);
    expect(r.stdout).toBe('');
    expect(existsSync(baseEnv.KILN_AWS_WORK_DIR)).toBe(false);
  }, 60_000);

  it('without packer on PATH (credentials set) says to install Packer', async () => {
    const env = { ...baseEnv, PATH: bin, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' };
    const r = await kiln(['bake', '--target', 'aws', '--tier', 'nano', ...fakeRecipe()], env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Packer: not found on PATH; install Packer >= 1\.10 from HashiCorp/);
    expect(r.stderr).not.toMatch(/AWS credentials/);
    expect(existsSync(baseEnv.KILN_AWS_WORK_DIR)).toBe(false);
  }, 60_000);

  it('without a region says which flag or env var to set', async () => {
    const r = await kiln(['bake', '--target', 'aws', '--tier', 'nano']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--region = null: is required for kiln bake --target aws .*set KILN_AWS_REGION, AWS_REGION/);
  }, 60_000);
});

describe('help', () => {
  it.each(['bake', 'launch', 'verify', 'promote', 'promoted', 'destroy', 'janitor', 'deploy', 'revoke'])(
    'kiln %s has help naming its flags',
    async (cmd) => {
      const { help } = (await import(`./cmd-${cmd}.ts`)) as { help: string };
      expect(help).toMatch(new RegExp(`^kiln ${cmd} --`));
      if (cmd !== 'verify') expect(help).toMatch(/--target local\|aws/);
    },
  );

  it('kiln janitor --help says which target removes by default', async () => {
    const r = await kiln(['janitor', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/local: REMOVES by default[\s\S]*aws: REPORTS ONLY by default/);
  }, 60_000);
});
