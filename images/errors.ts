// C0 and C1 controls (U+009B starts a terminal escape sequence as ESC [ does), line/paragraph separators, bidi controls.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const escaped = (c: string): string => (c < ' ' ? JSON.stringify(c).slice(1, -1) : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

// A user's key or value may hold newlines or escapes: the one-line message shows them escaped, never raw.
export const oneLine = (text: string): string => text.replace(UNSAFE, escaped);

/** For multi-line output (a tool's words): keeps newlines and tabs, escapes every other control a terminal or editor would act on. */
export const terminalSafe = (text: string): string => text.replace(UNSAFE_BUT_LINES, escaped);

/** A user error: names the field, the value, what is allowed and what to change. Exit code 2. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
    readonly fix: string,
  ) {
    super(oneLine(`${field} = ${JSON.stringify(value)}: ${allowed}; ${fix}`));
    this.name = 'InputError';
  }
}

/** The tier cannot hold the stack: says by how much and what to change. Exit code 2. */
export class TierTooSmallError extends InputError {
  constructor(tier: string, ramMiB: number, shortMiB: number, minimumRamMiB: number, detail: string) {
    super(
      `tier ${tier}.ramMiB`,
      ramMiB,
      `the stack's worst case needs ${shortMiB} MiB more than this tier can give (${detail})`,
      `use a tier with at least ${minimumRamMiB} MiB RAM, or drop a service / lower app.workerPrivateMiB in the recipe`,
    );
    this.name = 'TierTooSmallError';
  }
}
