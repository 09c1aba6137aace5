/** Runs host tools with captured output; failures name the command and carry its stderr tail. */
import { execa, type Options } from 'execa';

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
  ) {
    super(`${command} failed (exit ${exitCode ?? 'signal'}): ${stderrTail}`);
    this.name = 'CommandError';
  }
}

const tail = (s: string, lines = 15) => s.trim().split('\n').slice(-lines).join('\n');

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a command; throws CommandError unless `allowFail`, in which case the exit code is returned. */
export async function run(file: string, args: readonly string[], opts: Options & { allowFail?: boolean } = {}): Promise<RunResult> {
  const { allowFail, ...rest } = opts;
  const r = await execa(file, args, { reject: false, stripFinalNewline: true, ...rest });
  const stdout = typeof r.stdout === 'string' ? r.stdout : '';
  const stderr = typeof r.stderr === 'string' ? r.stderr : '';
  const exitCode = r.exitCode ?? -1;
  if (exitCode !== 0 && !allowFail) {
    const cmd = [file, ...args].join(' ').slice(0, 300);
    throw new CommandError(cmd, r.exitCode, tail(stderr || stdout) || String(r.signal ?? ''));
  }
  return { stdout, stderr, exitCode };
}

/** Progress for humans goes to stderr, never stdout (stdout is for --json). */
export function say(msg: string): void {
  if (process.env.KILN_QUIET !== '1') process.stderr.write(`kiln local: ${msg}\n`);
}

/**
 * Runs a bash script in a private mount + PID namespace that dies with this process: if kiln is
 * killed, everything the script started is killed and every mount it made disappears.
 */
export function runIsolated(script: string, args: readonly string[], opts: Options & { allowFail?: boolean } = {}): Promise<RunResult> {
  return run(
    'setpriv',
    [
      '--pdeathsig',
      'SIGKILL',
      '--',
      'unshare',
      '--mount',
      '--pid',
      '--kill-child=SIGKILL',
      '--propagation',
      'private',
      '--',
      'bash',
      '-euo',
      'pipefail',
      '-c',
      script,
      'kiln',
      ...args,
    ],
    opts,
  );
}
