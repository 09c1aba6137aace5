import { describe, expect, it } from 'vitest';
import { COMMANDS, type Command } from './commands.ts';

// One at a time: the test runner's module loader can stall on many parallel imports that share modules.
const commands: { name: string; cmd: Command }[] = [];
for (const [name, load] of Object.entries(COMMANDS)) commands.push({ name, cmd: await load() });
const mentions = (help: string, flag: string) => new RegExp(`--${flag}(?![\\w-])`).test(help);

describe('every command in the table', () => {
  it('is loaded from the table (a table that shrank to nothing would pass the rest)', () => {
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining(['gate', 'verify', 'nightly', 'version']));
  });

  it.each(commands)('$name --help lists its exit codes, 0 and 2 at least', ({ cmd }) => {
    const line = cmd.help.split('\n').find((l) => /Exit codes:/.test(l));
    expect(line, cmd.help).toBeDefined();
    const block = cmd.help.slice(cmd.help.indexOf(line!));
    expect(block).toMatch(/\b0 /);
    expect(block).toMatch(/\b2 bad input/);
  });

  it.each(commands)('$name --help names every flag it parses', ({ cmd }) => {
    expect(Object.keys(cmd.flags).filter((f) => !mentions(cmd.help, f))).toEqual([]);
  });
});
