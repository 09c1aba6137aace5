/** The one way kiln reads a file a user named (--catalog, --recipe, --host, --verdict, ...): a regular file, capped. */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { InputError } from './errors.ts';

/** Every input kiln reads is a small JSON or YAML document; anything bigger is a wrong path, not a bigger input. */
export const MAX_INPUT_BYTES = 4 * 2 ** 20;

const CHUNK_BYTES = 64 * 2 ** 10;

const kindOf = (s: Stats): string =>
  s.isDirectory()
    ? 'directory'
    : s.isFIFO()
      ? 'FIFO'
      : s.isCharacterDevice()
        ? 'character device'
        : s.isBlockDevice()
          ? 'block device'
          : s.isSocket()
            ? 'socket'
            : 'special file';

/**
 * Reads `path` for `field` (the flag the user passed it with): InputError (exit 2) unless it is a readable
 * regular file of at most `maxBytes`. Reads at most maxBytes + 1 bytes, so /dev/zero or a huge file cannot exhaust memory.
 * `what` names the file expected (e.g. "verdict JSON file"), `fix` what to pass instead.
 */
export function readInputFile(field: string, path: string, what: string, fix: string, maxBytes = MAX_INPUT_BYTES): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below); no effect on a regular file.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new InputError(
      field,
      path,
      `a readable ${what} (it cannot be opened: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      fix,
    );
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(field, path, `a ${what}, a regular file (this is a ${kindOf(st)})`, fix);
    // Chunks up to EOF or one byte past the cap: st.size is only a hint (the file may change while it is read).
    const chunks: Buffer[] = [];
    let got = 0;
    while (got <= maxBytes) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, maxBytes + 1 - got));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      got += n;
    }
    if (got > maxBytes) throw new InputError(field, path, `a ${what} of at most ${maxBytes / 2 ** 20} MiB (this one is larger)`, fix);
    return Buffer.concat(chunks, got);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(
      field,
      path,
      `a readable ${what} (reading failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      fix,
    );
  } finally {
    closeSync(fd);
  }
}

/** readInputFile as UTF-8 text. */
export const readInputText = (field: string, path: string, what: string, fix: string, maxBytes = MAX_INPUT_BYTES): string =>
  readInputFile(field, path, what, fix, maxBytes).toString('utf8');
