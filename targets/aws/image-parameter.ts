/**
 * SSM validates an `aws:ec2:image` value asynchronously: PutParameter returns version N before validation
 * ends, and N comes to exist only if the value is an available AMI in the account and region; otherwise it
 * never exists and the parameter keeps its previous versions. So a writer polls `name:N` until it is there
 * (with the value it put) before relying on it, and gives up after a bounded wait.
 */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { PromotionRefusedError } from './verdict.ts';

export interface AwaitImageVersionOptions {
  /** How long SSM may take to validate before the write counts as rejected. */
  timeoutSec?: number;
  /** The longest pause between polls (the first ones are shorter: validation often ends within a second). */
  pollSec?: number;
  /** Injected by tests: a clock and a sleep that advance together. */
  nowMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

// AWS documents no bound; validation usually takes seconds, so two minutes without it means it failed.
export const IMAGE_VALIDATION_TIMEOUT_SEC = 120;
const POLL_SEC = 2;
const FIRST_POLL_MS = 250;

/** SSM's answer while a version is not (yet) there: the parameter, or that version of it, does not exist. */
const notThereYet = (e: unknown) => ['ParameterNotFound', 'ParameterVersionNotFound'].includes((e as Error)?.name);

/** Resolves when `name:version` exists with `value`; throws PromotionRefusedError (exit 1) if it never appears in time. */
export async function awaitImageVersion(
  ssm: SSMClient,
  name: string,
  version: number,
  value: string,
  opts: AwaitImageVersionOptions = {},
): Promise<void> {
  const timeoutSec = opts.timeoutSec ?? IMAGE_VALIDATION_TIMEOUT_SEC;
  const nowMs = opts.nowMs ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = nowMs() + timeoutSec * 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      const p = (await ssm.send(new GetParameterCommand({ Name: `${name}:${version}` }))).Parameter;
      if (p?.Value === value) return;
      // Versions are unique per write: another value under our number is not something to wait out.
      throw new Error(`SSM shows ${name} version ${version} as ${JSON.stringify(p?.Value ?? null)}, not the ${value} written`);
    } catch (e) {
      if (!notThereYet(e)) throw e;
    }
    if (nowMs() >= deadline) {
      throw new PromotionRefusedError(
        `${value} failed SSM's aws:ec2:image validation: ${name} version ${version} did not appear within ${timeoutSec}s `
          + `(SSM drops a version whose value is not an available AMI in this account and region); the pointer keeps its previous version`,
      );
    }
    await sleep(Math.min((opts.pollSec ?? POLL_SEC) * 1000, FIRST_POLL_MS * 2 ** attempt));
  }
}
