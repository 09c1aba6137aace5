/**
 * Runs one load spec in this process and prints the LoadResult as one JSON document on stdout.
 *   node --import tsx verify/load/cli.ts < spec.json
 *   taskset -c 1 node --import tsx verify/load/cli.ts spec.json     (pinned: see child.ts)
 * Exit 0 with a result (valid or not), 2 on a bad spec, 1 on anything else.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../images/errors.ts';
import { runLoad } from './run.ts';
import type { LoadSpec } from './types.ts';

async function main(): Promise<number> {
  const text = readFileSync(process.argv[2] ?? 0, 'utf8');
  let spec: LoadSpec;
  try {
    spec = JSON.parse(text) as LoadSpec;
  } catch (e) {
    throw new InputError('spec', text.slice(0, 80), 'a JSON LoadSpec', `fix the JSON (${(e as Error).message})`);
  }
  const result = await runLoad(spec);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`kiln-load: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = e instanceof InputError ? 2 : 1;
  },
);
