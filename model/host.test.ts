import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../images/errors.ts';
import { validateHost } from './host.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keyPath = join(dir, 'k');
writeFileSync(keyPath, 'x');
const login = { address: '10.0.1.5', port: 22, user: 'ubuntu', keyPath, hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOq1' };

describe('a host description with a verifier', () => {
  it("keeps the verifier's login, instance type and subnet", () => {
    const h = validateHost({
      ...login,
      target: 'aws',
      verifier: { ...login, address: '198.51.100.9', instanceType: 't3.micro', subnetId: 'subnet-0abc', extra: 1 },
    });
    expect(h.verifier).toEqual({ ...login, address: '198.51.100.9', instanceType: 't3.micro', subnetId: 'subnet-0abc' });
    expect(validateHost(login).verifier).toBeUndefined();
  });

  it('checks the verifier like the box: a missing host key is exit 2, naming host.verifier', () => {
    const err = (() => {
      try {
        validateHost({ ...login, verifier: { ...login, hostKey: '' } });
      } catch (e) {
        return e;
      }
    })() as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/host\.verifier\.hostKey/);
    expect(() => validateHost({ ...login, verifier: 'bastion' })).toThrow(/host\.verifier/);
  });
});

describe('a host description of a VM', () => {
  it('keeps machine, accelerator, emulated and the HTTP port', () => {
    const h = validateHost({
      ...login,
      address: '127.0.0.1',
      port: 40022,
      machine: 'vm',
      accelerator: 'tcg',
      emulated: true,
      httpPort: 40080,
    });
    expect([h.machine, h.accelerator, h.emulated, h.httpPort]).toEqual(['vm', 'tcg', true, 40080]);
  });

  it('takes only a literal true as emulated, and refuses a bad HTTP port', () => {
    expect(validateHost({ ...login, emulated: 'true' }).emulated).toBeUndefined();
    expect(() => validateHost({ ...login, httpPort: 0 })).toThrow(/host\.httpPort/);
  });
});
