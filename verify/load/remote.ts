/**
 * kiln's own generator, run on another machine over SSH (the verifier beside the box): the same code as
 * `runLoad`, bundled into one file with esbuild, run by the same Node binary kiln runs on (shipped with it,
 * so the verifier needs no Node and no package mirror), spec on stdin, the LoadResult JSON on stdout.
 * Both files land in a directory named by their digest: a second run on the same verifier uploads nothing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../images/errors.ts';
import type { VerifierHost } from '../../model/host.ts';
import { shellQuote } from '../../lib/shell-quote.ts';
import { SshSession } from '../ssh.ts';
import type { LoadResult, LoadSpec } from './types.ts';

export interface RemoteGeneratorOptions {
  /** Where the files go on the remote machine, relative to the login's home or absolute. */
  dir?: string;
  /** The Node binary to ship; it must run on the remote machine (same CPU architecture, glibc, libstdc++). */
  nodePath?: string;
  uploadTimeoutSec?: number;
}

export interface InstalledGenerator {
  /** The remote directory holding `node` and `load.cjs`. */
  dir: string;
  /** False when an earlier run had left both files there. */
  uploaded: boolean;
  nodeVersion: string;
}

export const DEFAULT_REMOTE_DIR = '.cache/kiln-load';

let bundled: Promise<string> | null = null;

/** verify/load/cli.ts and everything it imports (hdr-histogram-js included) as one CommonJS file. */
export function generatorBundle(): Promise<string> {
  bundled ??= import('esbuild').then(async ({ build }) => {
    const r = await build({
      entryPoints: [fileURLToPath(new URL('./cli.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: `node${process.versions.node.split('.')[0]}`,
      write: false,
      logLevel: 'silent',
      legalComments: 'none',
    });
    return r.outputFiles[0].text;
  });
  return bundled;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Puts the generator on the session's host unless its digest directory already holds it; checks that it runs there. */
export async function installGenerator(session: SshSession, o: RemoteGeneratorOptions = {}): Promise<InstalledGenerator> {
  const node = readFileSync(o.nodePath ?? process.execPath);
  const bundle = await generatorBundle();
  const dir = `${o.dir ?? DEFAULT_REMOTE_DIR}/${sha256(Buffer.concat([Buffer.from(sha256(node)), Buffer.from(sha256(bundle))])).slice(0, 16)}`;
  const q = shellQuote(dir);
  const timeoutSec = o.uploadTimeoutSec ?? 600;
  const probe = () => session.exec(`${q}/node --version && test -s ${q}/load.cjs`, { timeoutSec: 30 });
  let uploaded = false;
  let ran = await probe();
  if (ran.exitCode !== 0) {
    uploaded = true;
    // Written aside and renamed, so an interrupted upload never passes for a complete one.
    const put = async (name: string, data: Buffer, gz: boolean, mode: string) => {
      const r = await session.exec(
        `mkdir -p ${q} && ${gz ? 'gzip -dc' : 'cat'} > ${q}/${name}.part && chmod ${mode} ${q}/${name}.part && mv ${q}/${name}.part ${q}/${name}`,
        {
          timeoutSec,
          stdin: gz ? gzipSync(data, { level: 1 }) : data,
        },
      );
      if (r.exitCode !== 0)
        throw new Error(
          `uploading the load generator's ${name} to ${session.host.address} failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}): ${r.stderr.trim().slice(0, 300)}`,
        );
    };
    await put('node', node, true, '755');
    await put('load.cjs', Buffer.from(bundle), false, '644');
    ran = await probe();
  }
  if (ran.exitCode !== 0) {
    throw new Error(
      `${session.host.address} cannot run the Node binary kiln shipped (is it of this machine's architecture, with glibc and libstdc++?): ${ran.stderr.trim().slice(0, 300) || `exit ${ran.exitCode}`}`,
    );
  }
  return { dir, uploaded, nodeVersion: ran.stdout.trim() };
}

/** Runs one load on the session's host with an installed generator; resolves with its LoadResult (valid or not). */
export async function runLoadRemote(session: SshSession, gen: InstalledGenerator, spec: LoadSpec): Promise<LoadResult> {
  const q = shellQuote(gen.dir);
  const boundSec = spec.warmupSec + spec.durationSec + Math.ceil(spec.timeoutMs / 1000) + 30;
  const r = await session.exec(`${q}/node ${q}/load.cjs`, { timeoutSec: boundSec, stdin: JSON.stringify(spec) });
  const msg = r.stderr.trim() || `exit ${r.exitCode ?? r.signal ?? 'none'}${r.timedOut ? ' (timed out)' : ''}`;
  if (r.exitCode === 2) throw new InputError('spec', spec.rps, 'a valid LoadSpec', msg);
  if (r.exitCode !== 0) throw new Error(`load generator on ${session.host.address} failed: ${msg}`);
  return JSON.parse(r.stdout) as LoadResult;
}

/**
 * A `runLoad` that runs every load on the verifier: one session, opened and installed at the first load,
 * so a verifier that cannot be reached fails that load (a verdict reason), not the whole command.
 */
export function verifierRunLoad(
  verifier: VerifierHost,
  o: RemoteGeneratorOptions = {},
): { runLoad: (spec: LoadSpec) => Promise<LoadResult>; close: () => void } {
  let ready: Promise<{ session: SshSession; gen: InstalledGenerator }> | null = null;
  let session: SshSession | null = null;
  const open = async () => {
    session = await SshSession.direct(verifier);
    return { session, gen: await installGenerator(session, o) };
  };
  return {
    runLoad: async (spec) => {
      ready ??= open();
      const r = await ready;
      return runLoadRemote(r.session, r.gen, spec);
    },
    close: () => {
      (session as SshSession | null)?.close();
    },
  };
}
