import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../images/errors.ts';
import { checkCpuList, placed, type Placement } from './cpus.ts';
import type { LoadResult, LoadSpec } from './types.ts';

/**
 * Runs a load in its own Node process, pinned with `taskset -c cpus` (and `nice -n`) when given, so the
 * generator neither shares an event loop with the caller (SSH, samplers) nor CPUs with the box.
 * The result's generator.cpusAllowed shows where it actually ran. `signal` aborts the run: the child is killed at once
 * (a caller that gave up, e.g. a verify timeout, must not leave load running against a box it is destroying).
 */
export function runLoadInChild(spec: LoadSpec, place?: string | Placement, signal?: AbortSignal): Promise<LoadResult> {
  const cpus = typeof place === 'string' ? place : place?.cpus;
  if (cpus !== undefined && !checkCpuList(cpus)) {
    throw new InputError('cpus', cpus, 'a CPU list like "1", "0,2" or "2-3"', 'give the CPUs to pin the generator to');
  }
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
  const node = [process.execPath, '--import', 'tsx', cli];
  const [cmd, ...args] = placed(place, node);
  const boundMs = (spec.warmupSec + spec.durationSec) * 1000 + spec.timeoutMs + 30_000;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('load generator not started: aborted'));
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const abort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    };
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('close', (code, sig) => {
      done();
      if (signal?.aborted) return reject(new Error('load generator aborted'));
      if (code === 0) return resolve(JSON.parse(out) as LoadResult);
      const msg = err.trim() || `exit ${code ?? sig}`;
      if (code === 2) return reject(new InputError('spec', spec.rps, 'a valid LoadSpec', msg));
      reject(new Error(`load generator child failed: ${msg}`));
    });
    child.stdin.end(JSON.stringify(spec));
  });
}
