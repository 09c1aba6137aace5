/** One POSIX shell word: single-quoted, an embedded quote closed, escaped and reopened, so no value becomes code. */
export const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
