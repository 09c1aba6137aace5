import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFleetEnv } from '../targets/aws/fleet-env.ts';
import { InputError } from './errors.ts';
import { readInputFile } from './input-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'kiln-input-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('not refused');
};

describe('readInputFile', () => {
  it('reads a regular file up to the cap exactly, and refuses one byte more', () => {
    writeFileSync(join(dir, 'ten'), '0123456789');
    expect(readInputFile('--x', join(dir, 'ten'), 'file', 'fix', 10).toString()).toBe('0123456789');
    const e = refusal(() => readInputFile('--x', join(dir, 'ten'), 'file', 'fix', 9));
    expect(e.field).toBe('--x');
    expect(e.allowed).toMatch(/at most/);
  });

  it.each([
    ['/dev/zero', () => '/dev/zero', /character device/],
    ['a directory', () => dir, /directory/],
    [
      'a FIFO (without waiting for a writer)',
      () => {
        const p = join(dir, 'fifo');
        execSync(`mkfifo ${p}`);
        return p;
      },
      /FIFO/,
    ],
    ['a missing file', () => join(dir, 'missing'), /cannot be opened: ENOENT/],
  ])('refuses %s naming the field', (_, path, why) => {
    const e = refusal(() => readInputFile('--catalog', path(), 'JSON or YAML file', 'pass one'));
    expect(e.field).toBe('--catalog');
    expect(e.allowed).toMatch(why);
  });

  it('--fleet-env goes through it (deploy needs AWS credentials before it reads the file)', () => {
    expect(refusal(() => loadFleetEnv('/dev/zero')).field).toBe('--fleet-env');
  });
});
