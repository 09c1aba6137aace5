/** Entry point for `cdktf synth|deploy` (cdktf.json): the stacks' data comes from the JSON file named by KILN_STACKS. */
import { readFileSync } from 'node:fs';
import { buildApp, type StacksInput } from './app.ts';

const file = process.env.KILN_STACKS;
if (!file) {
  process.stderr.write('KILN_STACKS is not set: point it at the stacks JSON written by kiln (launch/deploy)\n');
  process.exit(2);
}
buildApp(JSON.parse(readFileSync(file, 'utf8')) as StacksInput).synth();
