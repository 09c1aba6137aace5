/** A tuned value with the one-line reason a person reads in the rendered file and the report. */
export interface Setting<T extends number | string | boolean = number | string | boolean> {
  value: T;
  reason: string;
}

export const set = <T extends number | string | boolean>(value: T, reason: string): Setting<T> => ({ value, reason });

/** A group of settings; a key whose service is not on the box is absent. */
export type Settings = Record<string, Setting | undefined>;

/** Plain values of a settings group, as `kiln render --json` reports them. */
export const valuesOf = (s: Settings): Record<string, Setting['value']> =>
  Object.fromEntries(Object.entries(s).flatMap(([k, v]) => (v ? [[k, v.value]] : [])));

/** `group.key -> reason` for every setting. */
export const reasonsOf = (group: string, s: Settings): Record<string, string> =>
  Object.fromEntries(Object.entries(s).flatMap(([k, v]) => (v ? [[`${group}.${k}`, v.reason]] : [])));

export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
