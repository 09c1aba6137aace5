import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { SshSession } from '../ssh.ts';
import { startSshd, type LocalSshd } from '../testing/sshd.ts';
import { checkServices } from './services.ts';
import { checkListening, judgeListeners, parseSs } from './listening.ts';
import { checkFiles } from './files.ts';
import { checkSysctls } from './sysctls.ts';
import { checkDropIns } from './dropins.ts';
import { checkCloudInit, judgeCloudInit } from './cloudinit.ts';
import { checkIdentity } from './identity.ts';
import { checkSecrets } from './secrets.ts';
import { checkSshd, DEFAULT_SSHD_POLICY } from './sshd.ts';
import { launchKeyBlob } from '../../model/host.ts';

let sshd: LocalSshd;
let s: SshSession;
let work: string;
beforeAll(async () => {
  sshd = await startSshd();
  s = await SshSession.connect(sshd.host);
  work = mkdtempSync(join(tmpdir(), 'kiln-checks-'));
});
afterAll(async () => {
  s?.close();
  await sshd?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('state checks over ssh against this machine', () => {
  it('services: without a reachable systemd every unit is an error, never a pass', async () => {
    const r = await checkServices(s, ['nginx.service', 'redis-server.service']);
    expect(r.map((c) => c.id)).toEqual(['service:nginx.service', 'service:redis-server.service']);
    expect(r.every((c) => c.status === 'error')).toBe(true);
    expect((await checkServices(s, []))[0].status).toBe('fail');
  });

  it('listening: sees our loopback sshd and treats loopback as not exposed', async () => {
    const r = await s.exec('ss -H -ltnp', { timeoutSec: 10 });
    const mine = parseSs(r.stdout).find((l) => l.port === sshd.host.port);
    expect(mine).toMatchObject({ address: '127.0.0.1', loopback: true, processes: ['sshd'] });
    const c = await checkListening(s, [{ port: sshd.host.port, process: 'sshd' }]);
    expect(c.status).toBe('fail');
    expect(c.evidence).toContain(`not listening: sshd:${sshd.host.port}`);
  });

  it('listening: judges exposed sockets against the intended ones', () => {
    const ss = [
      'LISTEN 0 511 0.0.0.0:80 0.0.0.0:* users:(("nginx",pid=10,fd=6),("nginx",pid=11,fd=6))',
      'LISTEN 0 128 [::]:22 [::]:* users:(("sshd",pid=5,fd=4))',
      'LISTEN 0 244 127.0.0.1:5432 0.0.0.0:* users:(("postgres",pid=7,fd=5))',
      'LISTEN 0 511 [::1]:6379 [::]:* users:(("redis-server",pid=8,fd=7))',
      'LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:* users:(("systemd-resolve",pid=9,fd=14))',
    ].join('\n');
    const want = [
      { port: 80, process: 'nginx' },
      { port: 22, process: 'sshd' },
    ];
    expect(judgeListeners(parseSs(ss), want).status).toBe('pass');
    const leaky = `${ss}\nLISTEN 0 511 0.0.0.0:6432 0.0.0.0:* users:(("pgbouncer",pid=12,fd=3))`;
    const r = judgeListeners(parseSs(leaky), want);
    expect(r.status).toBe('fail');
    expect(r.evidence).toContain('0.0.0.0:6432(pgbouncer)');
  });

  it('files: match, tampered, missing, and an empty manifest', async () => {
    const a = join(work, 'a.conf');
    const b = join(work, 'b c.conf');
    writeFileSync(a, 'alpha\n');
    writeFileSync(b, "it's\n");
    const manifest = [
      { path: a, sha256: sha(a) },
      { path: b, sha256: sha(b) },
      { path: 'packer/image.pkr.hcl', sha256: '0'.repeat(64) },
    ];
    expect((await checkFiles(s, manifest)).status).toBe('pass');
    writeFileSync(b, 'tampered\n');
    const tampered = await checkFiles(s, manifest);
    expect(tampered.status).toBe('fail');
    expect(tampered.data).toMatchObject({ differ: [b], missing: [] });
    const missing = await checkFiles(s, [...manifest, { path: join(work, 'nope'), sha256: '1'.repeat(64) }]);
    expect(missing.data).toMatchObject({ missing: [join(work, 'nope')] });
    expect((await checkFiles(s, [{ path: 'cloud-init/user-data', sha256: '0'.repeat(64) }])).status).toBe('fail');
  });

  it('sysctls: the real value passes, a different one or an unknown key fails', async () => {
    const swappiness = readFileSync('/proc/sys/vm/swappiness', 'utf8').trim();
    const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim();
    const ok = await checkSysctls(s, { 'vm.swappiness': swappiness, 'net.ipv4.ip_local_port_range': range.replace(/\s+/, ' ') });
    expect(ok.map((c) => c.status)).toEqual(['pass', 'pass']);
    const bad = await checkSysctls(s, { 'vm.swappiness': Number(swappiness) + 1, 'kiln.no_such_key': 1 });
    expect(bad.map((c) => c.status)).toEqual(['fail', 'fail']);
    // a container target sets only net.*: vm.* is judged by configuration and says so
    const scoped = await checkSysctls(s, { 'vm.swappiness': Number(swappiness) + 1, 'net.ipv4.ip_local_port_range': '1 2' }, ['net.']);
    expect(scoped.map((c) => c.status)).toEqual(['fail', 'pass']);
    expect(scoped[1].evidence).toContain('effect not verifiable here');
  });

  it('drop-ins: without a reachable systemd the check errors', async () => {
    const r = await checkDropIns(s, { 'nginx.service': { Restart: 'always', OOMPolicy: 'continue' } });
    expect(r[0]).toMatchObject({ id: 'dropin:nginx.service', status: 'error' });
  });

  it('cloud-init: a machine where it never ran fails; errors in result.json fail', async () => {
    expect((await checkCloudInit(s)).status).toBe('fail');
    expect(judgeCloudInit('status: done\n', '{"v1":{"datasource":"x","errors":[]}}').status).toBe('pass');
    // the shape a booted Debian 12 box prints (seen on the local target)
    const long =
      'status: done\nboot_status_code: enabled-by-generator\nlast_update: Thu, 01 Jan 1970 00:00:22 +0000\ndetail:\nDataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]\n';
    expect(judgeCloudInit(long, '{"v1":{"datasource":"DataSourceNoCloud","errors":[]}}').status).toBe('pass');
    expect(judgeCloudInit('status: done\n', '{"v1":{"errors":["boom"]}}').status).toBe('fail');
    expect(judgeCloudInit('status: done\n', '').status).toBe('fail');
    expect(judgeCloudInit('status: error\n', '{"v1":{"errors":[]}}').status).toBe('fail');
  });

  it("identity: a fresh machine-id passes, the image's id fails", async () => {
    const mid = readFileSync('/etc/machine-id', 'utf8').trim();
    const fresh = await checkIdentity(s, { imageMachineId: '', imageHostKeyFingerprints: [] });
    expect(fresh[0].status).toBe('pass');
    const shared = await checkIdentity(s, { imageMachineId: mid, imageHostKeyFingerprints: [] });
    expect(shared[0].status).toBe('fail');
    const keys = (fresh[1].data as { hostKeys: { fingerprint: string }[] }).hostKeys.map((k) => k.fingerprint);
    if (keys.length) {
      expect(fresh[1].status).toBe('pass');
      expect((await checkIdentity(s, { imageMachineId: '', imageHostKeyFingerprints: [keys[0]] }))[1].status).toBe('fail');
    } else {
      expect(fresh[1].status).toBe('fail');
    }
  });

  it('secrets: a clean tree passes; planted keys, env files, histories and build authorized_keys fail', async () => {
    const root = join(work, 'secrets');
    mkdirSync(join(root, 'home/admin/.ssh'), { recursive: true });
    writeFileSync(join(root, 'home/admin/.ssh/authorized_keys'), readFileSync(`${sshd.dir}/client_key.pub`));
    // root's disable_root stub and the default user's file carry the launch key too: written at boot, fine
    mkdirSync(join(root, 'root/.ssh'), { recursive: true });
    writeFileSync(
      join(root, 'root/.ssh/authorized_keys'),
      `no-port-forwarding,command="echo 'Please login as the user'" ${readFileSync(`${sshd.dir}/client_key.pub`, 'utf8')}`,
    );
    writeFileSync(join(root, 'home/admin/.ssh/authorized_keys2'), '');
    const exp = { loginUser: 'admin', launchKeyBlobs: [launchKeyBlob(`${sshd.dir}/client_key`)], allowedPaths: [], roots: [root] };
    expect((await checkSecrets(s, exp)).status).toBe('pass');
    execFileSync('cp', [`${sshd.dir}/client_key`, join(root, 'home/admin/.ssh/id_ed25519')]);
    writeFileSync(join(root, 'home/admin/.bash_history'), 'export DB_PASSWORD=x\n');
    writeFileSync(join(root, 'app.env'), 'SECRET_KEY=x\n');
    mkdirSync(join(root, 'home/builder/.ssh'), { recursive: true });
    writeFileSync(join(root, 'home/builder/.ssh/authorized_keys'), readFileSync(`${sshd.dir}/other_host_key.pub`));
    const r = await checkSecrets(s, exp);
    expect(r.status).toBe('fail');
    const kinds = (r.data as { findings: { kind: string }[] }).findings.map((f) => f.kind).sort();
    expect(kinds).toEqual(['AUTHKEYS', 'ENV', 'HIST', 'KEY']);
  });

  it("secrets: a PEM marker in a file an installed package's RECORD lists is the package's, except in the app's own distribution", async () => {
    const root = join(work, 'venv-secrets');
    const sp = join(root, 'venv/lib/python3.13/site-packages');
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
    for (const d of ['jwcrypto/__pycache__', 'jwcrypto-1.5.dist-info', 'shop', 'shop-1.0.dist-info', 'stray'])
      mkdirSync(join(sp, d), { recursive: true });
    writeFileSync(join(sp, 'jwcrypto/tests.py'), `KEY = '''${pem}'''\n`);
    writeFileSync(join(sp, 'jwcrypto/__pycache__/tests.cpython-313.pyc'), pem);
    writeFileSync(join(sp, 'jwcrypto-1.5.dist-info/RECORD'), 'jwcrypto/tests.py,sha256=x,10\n');
    writeFileSync(join(sp, 'shop/keys.py'), pem);
    writeFileSync(join(sp, 'shop-1.0.dist-info/RECORD'), 'shop/keys.py,sha256=y,10\n');
    writeFileSync(join(sp, 'stray/id_rsa'), pem);
    const exp = {
      loginUser: 'admin',
      launchKeyBlobs: [],
      allowedPaths: [],
      roots: [root],
      packages: { sitePackages: join(root, 'venv/lib/python3*/site-packages'), ownDistribution: 'shop' },
    };
    const r = await checkSecrets(s, exp);
    expect(r.status).toBe('fail');
    const found = (r.data as { findings: { kind: string; path: string }[] }).findings.map((f) => f.path.slice(sp.length + 1)).sort();
    // The app's own wheel and a file no package installed are findings; a dependency's test vectors are not.
    expect(found).toEqual(['shop/keys.py', 'stray/id_rsa']);
    rmSync(join(sp, 'shop/keys.py'));
    rmSync(join(sp, 'stray/id_rsa'));
    const ok = await checkSecrets(s, exp);
    expect(ok.status, ok.evidence).toBe('pass');
    expect(ok.evidence).toMatch(/2 files of installed packages hold a PEM marker/);
  });

  it('sshd: effective config from sshd -T, passwords on fails', async () => {
    const ok = await checkSshd(s, DEFAULT_SSHD_POLICY, `${sshd.dir}/sshd_config`);
    expect(ok.every((c) => c.status === 'pass')).toBe(true);
    const loose = join(work, 'sshd_loose');
    writeFileSync(
      loose,
      readFileSync(`${sshd.dir}/sshd_config`, 'utf8')
        .replace('PasswordAuthentication no', 'PasswordAuthentication yes')
        .replace('PermitRootLogin prohibit-password', 'PermitRootLogin yes'),
    );
    const bad = await checkSshd(s, DEFAULT_SSHD_POLICY, loose);
    expect(bad.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['sshd:passwordauthentication', 'sshd:permitrootlogin']);
  });
});
