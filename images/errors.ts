// A user's key or value may hold newlines or escapes: the one-line message shows them escaped, never raw.
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));

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
