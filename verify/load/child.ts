import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../images/errors.ts';
import { checkCpuList, placed, type Placement } from './cpus.ts';
import type { LoadResult, LoadSpec } from './types.ts';

/**
 * Runs a load in its own Node process, pinned with `taskset -c cpus` (and `nice -n`) when given, so the
 * generator neither shares an event loop with the caller (SSH, samplers) nor CPUs with the box.
 * The result's generator.cpusAllowed shows where it actually ran.
 */
export function runLoadInChild(spec: LoadSpec, place?: string | Placement): Promise<LoadResult> {
  const cpus = typeof place === 'string' ? place : place?.cpus;
  if (cpus !== undefined && !checkCpuList(cpus)) {
    throw new InputError('cpus', cpus, 'a CPU list like "1", "0,2" or "2-3"', 'give the CPUs to pin the generator to');
  }
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
  const node = [process.execPath, '--import', 'tsx', cli];
  const [cmd, ...args] = placed(place, node);
  const boundMs = (spec.warmupSec + spec.durationSec) * 1000 + spec.timeoutMs + 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(JSON.parse(out) as LoadResult);
      const msg = err.trim() || `exit ${code ?? signal}`;
      if (code === 2) return reject(new InputError('spec', spec.rps, 'a valid LoadSpec', msg));
      reject(new Error(`load generator child failed: ${msg}`));
    });
    child.stdin.end(JSON.stringify(spec));
  });
}
