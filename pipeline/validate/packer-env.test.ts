// The Packer that validates the 1.6.6 templates can be named apart from the bake's Packer >= 1.10 on PATH.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPacker, validatePacker } from './packer-env.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-packer-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validatePacker', () => {
  it('is `packer` from PATH unless KILN_VALIDATE_PACKER names one', () => {
    expect(validatePacker({})).toBe('packer');
    expect(validatePacker({ KILN_VALIDATE_PACKER: '' })).toBe('packer');
    expect(validatePacker({ KILN_VALIDATE_PACKER: '/usr/bin/packer' })).toBe('/usr/bin/packer');
  });

  it('runPacker runs the named program with the offline environment', async () => {
    const stub = join(dir, 'packer-1.6.6');
    writeFileSync(stub, '#!/bin/sh\necho "stub $* proxy=$HTTPS_PROXY"\n');
    chmodSync(stub, 0o755);
    const before = process.env.KILN_VALIDATE_PACKER;
    process.env.KILN_VALIDATE_PACKER = stub;
    try {
      const r = await runPacker(['version'], dir, join(dir, 'scratch'));
      expect(r).toEqual({ exitCode: 0, output: 'stub version proxy=http://127.0.0.1:9' });
    } finally {
      if (before === undefined) delete process.env.KILN_VALIDATE_PACKER;
      else process.env.KILN_VALIDATE_PACKER = before;
    }
  });
});
