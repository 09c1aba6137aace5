/** The `kiln` command: dispatch, exit codes (0 ok, 1 failed, 2 bad input), no stack traces for user errors. */
import { InputError, terminalSafe } from '../images/errors.ts';
import { COMMANDS } from './commands.ts';

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  // The conventional spelling of `kiln version`.
  const name = first === '--version' ? 'version' : first;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const helps = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).help));
    // The overview lists usage lines only; each command's --help has the details (and the shared flag blocks).
    const usage = helps.map((h) => h.split('\n')[0]).join('\n');
    process.stdout.write(
      `kiln: bake tuned server images, prove them under load, promote them.\n\n${usage}\n\nkiln COMMAND --help shows a command's flags and exit codes.\n`,
    );
    return name ? 0 : 2;
  }
  // Own keys only: `kiln constructor` must not find Object.prototype's.
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load)
    throw new InputError('command', name, `is not a kiln command; commands: ${Object.keys(COMMANDS).join(', ')}`, 'run kiln --help');
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.help}\n`);
    return 0;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof InputError) {
      process.stderr.write(`kiln: error: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      // A failure's words may carry a user's value (a path, a name): no control reaches the terminal raw.
      process.stderr.write(
        `kiln: failed: ${terminalSafe(e instanceof Error ? (process.env.KILN_DEBUG ? (e.stack ?? e.message) : e.message) : String(e))}\n`,
      );
      process.exitCode = 1;
    }
  },
);
