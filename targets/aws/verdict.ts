import { createHash } from 'node:crypto';
import { InputError } from '../../images/errors.ts';
import { readInputFile } from '../../images/input-file.ts';
import { checkVerdict } from '../../model/verdict-guard.ts';
import { appOfLineage } from '../channel.ts';

/** The part of a verdict promote relies on; the rest of the document is hashed, not read. */
export interface VerdictFacts {
  decision: 'pass';
  tier: string;
  imageRef: string;
  amiId: string;
  runId?: string;
  /** The team's app the image carries (its lineage's app layer): the release is promoted on `<tier>.<app>`; null for a base image. */
  app: string | null;
  /** sha256 of the file's bytes, hex: what the label and the AMI tag bind to. */
  digest: string;
}

/** A verdict that does not say pass. Exit 1: the gate rejected, nothing was written. */
export class PromotionRefusedError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'PromotionRefusedError';
  }
}

const AMI = /\bami-[0-9a-f]{8,17}\b/;

/**
 * Reads a verdict file and fails closed: anything but an explicit `decision: "pass"`, in a document
 * that model/verdict-guard.ts accepts (shape, and a pass every part earned), is refused.
 */
export function readVerdict(path: string): VerdictFacts {
  const bytes = readInputFile('--verdict', path, 'verdict JSON file', 'check the path');
  const digest = createHash('sha256').update(bytes).digest('hex');
  let doc: any;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InputError('--verdict', path, 'a JSON document written by kiln verify --json', 'pass the verdict file itself');
  }
  if (doc?.decision !== 'pass') {
    throw new PromotionRefusedError(
      `verdict ${path} has decision ${JSON.stringify(doc?.decision ?? null)}: only "pass" is promoted (missing counts as fail)`,
    );
  }
  // The verify side's guard: the whole document's shape, and a pass that every check and threshold earned.
  const guard = checkVerdict(doc);
  if (!guard.ok)
    throw new PromotionRefusedError(`verdict ${path} is not a well-formed, earned pass: ${guard.errors.slice(0, 5).join('; ')}`);
  if (doc.target !== 'aws')
    throw new InputError('verdict.target', doc.target, '"aws"', 'promote --target aws only verdicts of images verified on AWS');
  const tier = doc.tier;
  const imageRef = doc.image?.ref;
  if (typeof tier !== 'string' || !tier)
    throw new InputError('verdict.tier', tier, 'a tier name', 'promote a verdict written by kiln verify');
  if (typeof imageRef !== 'string')
    throw new InputError('verdict.image.ref', imageRef, 'an AWS image ref (ami-… or region:ami-…)', 'promote a verdict of an AWS bake');
  const amiId = imageRef.match(AMI)?.[0];
  if (!amiId)
    throw new InputError('verdict.image.ref', imageRef, 'an AWS image ref (ami-… or region:ami-…)', 'this verdict is for another target');
  const runId = typeof doc.runId === 'string' ? doc.runId : undefined;
  return { decision: 'pass', tier, imageRef, amiId, runId, app: appOfLineage(doc.image?.lineage), digest };
}
