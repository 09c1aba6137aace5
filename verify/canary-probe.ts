/** One GET per canary endpoint: which of them do not answer 2xx (and why). The bench's box health for the canary. */
import { CANARY_MIX } from './defaults.ts';
import { failingEndpoints, type ProbeFailure } from './endpoint-probe.ts';

export const failingCanaryEndpoints = (address: string, port = 80, timeoutMs = 10_000): Promise<ProbeFailure[]> =>
  failingEndpoints(address, CANARY_MIX, port, timeoutMs);
