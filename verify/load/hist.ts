import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { Percentiles } from './types.ts';

/** Latency histogram in µs, 1 µs .. 10 min, 3 significant digits, pure JS. */
export function newHistogram(digits: 2 | 3 = 3): Histogram {
  return build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: digits,
    useWebAssembly: false,
    autoResize: true,
  });
}

/** records a latency in ms as µs (clamped to the trackable range) */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(600_000_000, Math.max(1, Math.round(ms * 1000))));
}

const ms = (us: number) => Math.round(us) / 1000;

export function percentiles(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { p50Ms: 0, p90Ms: 0, p95Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0, meanMs: 0 };
  return {
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p95Ms: ms(h.getValueAtPercentile(95)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    p999Ms: ms(h.getValueAtPercentile(99.9)),
    maxMs: ms(h.maxValue),
    meanMs: Math.round(h.mean) / 1000,
  };
}

export function encode(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}
