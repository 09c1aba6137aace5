/** Test helper: turns the requests moto's recorder kept into the IAM actions they need (`ec2:RunInstances`). */

/** One line of moto's recording (MOTO_RECORDER_FILEPATH). */
export interface RecordedRequest {
  headers: Record<string, string>;
  method: string;
  url: string;
  body: string | null;
  body_encoded: boolean;
}

export interface Call {
  /** `service:Action` as IAM names it. */
  action: string;
  /** The request's top-level parameters (query protocol form fields, or JSON members that are strings). */
  params: Record<string, string>;
}

// SigV4 signing names that differ from the IAM service prefix.
const IAM_PREFIX: Record<string, string> = { monitoring: 'cloudwatch' };

const header = (r: RecordedRequest, name: string) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === name)?.[1];

export function iamActionsOf(r: RecordedRequest): Call {
  const body = r.body == null ? '' : r.body_encoded ? Buffer.from(r.body, 'base64').toString('utf8') : r.body;
  // The service is the one the request was signed for: every service shares the emulator's host.
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(header(r, 'authorization') ?? '');
  if (!scope) throw new Error(`unsigned request in the recording: ${r.method} ${r.url}`);
  const service = IAM_PREFIX[scope[1]] ?? scope[1];
  const target = header(r, 'x-amz-target');
  let params: Record<string, string> = {};
  let name: string | undefined;
  if (target) {
    // JSON protocol: `AmazonSSM.GetParameter`.
    name = target.split('.').pop();
    const json = body ? JSON.parse(body) : {};
    params = Object.fromEntries(Object.entries(json).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  } else {
    const form = new URLSearchParams(body);
    for (const [k, v] of new URL(r.url).searchParams) form.append(k, v);
    params = Object.fromEntries(form);
    name = params.Action;
  }
  if (!name) throw new Error(`no action in recorded request: ${r.method} ${r.url}`);
  return { action: `${service}:${name}`, params };
}
