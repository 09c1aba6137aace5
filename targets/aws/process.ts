/** Runs a long tool (packer, terraform) with progress streamed line by line, and TERM-then-KILL on timeout. */
import { createInterface } from 'node:readline';
import { execa } from 'execa';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutSec: number;
  /** After the timeout's SIGTERM, how long the tool gets to clean up (Packer deletes what it made) before SIGKILL. */
  graceSec: number;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface RunResult {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  /** The last lines of output, for the error message. */
  tail: string[];
}

export async function runStreamed(cmd: string, args: string[], o: RunOptions): Promise<RunResult> {
  const child = execa(cmd, args, {
    cwd: o.cwd,
    env: o.env,
    extendEnv: false,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    timeout: o.timeoutSec * 1000,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: o.graceSec * 1000,
  });
  const tail: string[] = [];
  const follow = (stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr') =>
    stream
    && new Promise<void>((done) => {
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      rl.on('line', (line) => {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        o.onLine?.(line, name);
      });
      rl.on('close', done);
    });
  const [r] = await Promise.all([child, follow(child.stdout, 'stdout'), follow(child.stderr, 'stderr')]);
  return { exitCode: r.exitCode, signal: r.signal, timedOut: Boolean(r.timedOut), tail };
}
