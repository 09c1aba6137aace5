/** Runtime guard for verdict documents: JSON Schema for the shape, plus a re-derivation of the decision. */
import { Ajv } from 'ajv';
import type { Slo } from '../images/tiers.ts';
import type { Lineage } from './lineage.ts';

/**
 * Where the load was generated: `local` = the machine kiln runs on (a box on this host, or across the internet
 * to a cloud instance without a verifier: latency then includes that path); `verifier` = the instance beside the box.
 */
export type LoadOrigin = { kind: 'local' } | { kind: 'verifier'; address: string; instanceType?: string; subnetId?: string };

/**
 * A verdict document as promote and the guard read it; verify/verdict.ts's Verdict narrows each part
 * (checks, load, memory, thresholds, baseline) to the result types verify writes.
 */
export interface VerdictDocument {
  schemaVersion: 1;
  kind: 'kiln-verdict';
  runId: string;
  createdAt: string;
  /** The kiln that wrote it (package.json's version); verdicts written before kiln recorded it have none. */
  kilnVersion?: string;
  /** Tier name (promote reads this string). */
  tier: string;
  tierSpec: { ramMiB: number; vcpus: number; slo: Slo };
  target: string;
  image: { ref: string; lineage: Lineage };
  host: { address: string; port: number; hostKey: string };
  checks: { id: string; status: string }[];
  load: { target: unknown; capacity: unknown };
  loadOrigin: LoadOrigin;
  memory: { summary: unknown; plot: unknown; errors: string[] };
  thresholds: { id: string; status: string }[];
  baseline: { required: boolean; comparison: { outcome: string } | null };
  decision: 'pass' | 'fail';
  reasons: string[];
}

const str = { type: 'string', minLength: 1 };
const status = (values: string[]) => ({ type: 'string', enum: values });
const nullable = (schema: object) => ({ anyOf: [{ type: 'null' }, schema] });

export const VERDICT_JSON_SCHEMA = {
  $id: 'https://kiln.invalid/schemas/verdict-1.json',
  type: 'object',
  required: [
    'schemaVersion',
    'kind',
    'runId',
    'createdAt',
    'tier',
    'tierSpec',
    'target',
    'image',
    'host',
    'checks',
    'load',
    'memory',
    'thresholds',
    'baseline',
    'decision',
    'reasons',
  ],
  properties: {
    schemaVersion: { const: 1 },
    kind: { const: 'kiln-verdict' },
    runId: str,
    createdAt: str,
    // Optional: verdicts written before kiln recorded its version are still read.
    kilnVersion: str,
    tier: str,
    tierSpec: {
      type: 'object',
      required: ['ramMiB', 'vcpus', 'slo'],
      properties: {
        ramMiB: { type: 'number', exclusiveMinimum: 0 },
        vcpus: { type: 'number', exclusiveMinimum: 0 },
        slo: { type: 'object', required: ['p95Ms', 'p99Ms', 'errorRatePct', 'memoryCeilingPct', 'targetRps'] },
      },
    },
    target: str,
    image: {
      type: 'object',
      required: ['ref', 'lineage'],
      properties: {
        ref: { type: 'string' },
        lineage: {
          type: 'object',
          required: ['baseImage', 'packageVersions', 'renderManifestSha256'],
          properties: {
            baseImage: { type: 'string' },
            packageVersions: { type: 'object', additionalProperties: { type: 'string' } },
            renderManifestSha256: { type: 'string' },
          },
        },
      },
    },
    host: { type: 'object', required: ['address', 'port', 'hostKey'] },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'status', 'evidence'],
        properties: { id: str, status: status(['pass', 'fail', 'error']), evidence: { type: 'string' } },
      },
    },
    load: {
      type: 'object',
      required: ['target', 'capacity'],
      properties: {
        target: nullable({ type: 'object', required: ['measure', 'valid', 'series'] }),
        capacity: nullable({ type: 'object' }),
      },
    },
    // Optional: verdicts written before the load could come from a verifier say nothing and ran it locally.
    loadOrigin: {
      type: 'object',
      required: ['kind'],
      properties: { kind: status(['local', 'verifier']), address: str, instanceType: str, subnetId: str },
      if: { properties: { kind: { const: 'verifier' } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, never awaited.
      then: { required: ['kind', 'address'] },
    },
    memory: {
      type: 'object',
      required: ['summary', 'plot', 'errors'],
      properties: { errors: { type: 'array', items: { type: 'string' } } },
    },
    thresholds: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'status', 'limit', 'observed', 'evidence'],
        properties: { id: str, status: status(['pass', 'fail', 'skipped']) },
      },
    },
    baseline: {
      type: 'object',
      required: ['required', 'comparison'],
      properties: {
        required: { type: 'boolean' },
        comparison: nullable({
          type: 'object',
          required: ['outcome', 'metrics', 'reasons'],
          properties: { outcome: status(['pass', 'regression', 'inconclusive', 'fail']) },
        }),
      },
    },
    decision: status(['pass', 'fail']),
    reasons: { type: 'array', items: { type: 'string' } },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateShape = ajv.compile(VERDICT_JSON_SCHEMA);

export type GuardResult = { ok: true; verdict: VerdictDocument } | { ok: false; errors: string[] };

/** Shape first; then a `pass` must be earned: no reasons, every check and threshold passed, baseline passed or legitimately absent. */
export function checkVerdict(doc: unknown): GuardResult {
  if (!validateShape(doc)) {
    return { ok: false, errors: (validateShape.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`) };
  }
  const v = doc as unknown as VerdictDocument;
  const errors: string[] = [];
  if (v.decision === 'pass') {
    if (v.reasons.length) errors.push('decision is pass but reasons are listed');
    if (v.checks.length === 0) errors.push('decision is pass with no checks');
    if (v.thresholds.length === 0) errors.push('decision is pass with no thresholds');
    for (const c of v.checks) if (c.status !== 'pass') errors.push(`decision is pass but check ${c.id} is ${c.status}`);
    for (const t of v.thresholds)
      if (t.status !== 'pass')
        errors.push(`decision is pass but threshold ${t.id} ${t.status === 'skipped' ? 'was not judged' : 'failed'}`);
    if (!v.load.target) errors.push('decision is pass without a load run');
    if (!v.memory.summary) errors.push('decision is pass without memory data');
    if (v.baseline.comparison ? v.baseline.comparison.outcome !== 'pass' : v.baseline.required)
      errors.push('decision is pass without a passing baseline comparison');
    if (!v.image.ref) errors.push('decision is pass without an image ref');
  } else if (v.reasons.length === 0) {
    errors.push('decision is fail without a reason');
  }
  return errors.length ? { ok: false, errors } : { ok: true, verdict: v };
}

/** For promote: a well-formed verdict that says pass, or an Error listing why not. */
export function assertPromotable(doc: unknown): VerdictDocument {
  const r = checkVerdict(doc);
  if (!r.ok) throw new Error(`malformed verdict: ${r.errors.join('; ')}`);
  if (r.verdict.decision !== 'pass') throw new Error(`verdict decision is fail: ${r.verdict.reasons.join('; ')}`);
  return r.verdict;
}
