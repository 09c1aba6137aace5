/** Hardware tiers as typed data. Names are part of kiln's contract: channels, image names and tags carry them. */
export interface Slo {
  /** Latency targets at the tier's target rate, from the intended send time. */
  p95Ms: number;
  p99Ms: number;
  /** Highest tolerated share of failed requests, in percent. */
  errorRatePct: number;
  /** Peak memory of the whole box as a share of its RAM. */
  memoryCeilingPct: number;
  /** Request rate the tier must hold on the canary mix. */
  targetRps: number;
}

export interface Tier {
  name: string;
  ramMiB: number;
  vcpus: number;
  /** EC2 instance types by architecture, first is the default. */
  instanceTypes: { x86_64: string[]; arm64: string[] };
  rootVolumeGiB: number;
  /** Sustained CPU share of a burstable type once its credits are spent (0..1); absent when not burstable. */
  burstBaselineShare?: number;
  slo: Slo;
}

const slo = (targetRps: number, p95Ms = 200, p99Ms = 500): Slo => ({
  p95Ms,
  p99Ms,
  errorRatePct: 0.1,
  memoryCeilingPct: 85,
  targetRps,
});

export const BUILTIN_TIERS: readonly Tier[] = [
  {
    name: 'nano',
    ramMiB: 512,
    vcpus: 2,
    instanceTypes: { x86_64: ['t3.nano'], arm64: ['t4g.nano'] },
    rootVolumeGiB: 10,
    burstBaselineShare: 0.05,
    slo: slo(150),
  },
  {
    name: 'micro',
    ramMiB: 1024,
    vcpus: 2,
    instanceTypes: { x86_64: ['t3.micro'], arm64: ['t4g.micro'] },
    rootVolumeGiB: 12,
    burstBaselineShare: 0.1,
    slo: slo(200),
  },
  {
    name: 'small',
    ramMiB: 2048,
    vcpus: 2,
    instanceTypes: { x86_64: ['t3.small'], arm64: ['t4g.small'] },
    rootVolumeGiB: 16,
    burstBaselineShare: 0.2,
    slo: slo(250),
  },
  {
    name: 'medium',
    ramMiB: 4096,
    vcpus: 2,
    instanceTypes: { x86_64: ['t3.medium'], arm64: ['t4g.medium'] },
    rootVolumeGiB: 20,
    burstBaselineShare: 0.2,
    slo: slo(300),
  },
  {
    name: 'large',
    ramMiB: 8192,
    vcpus: 2,
    instanceTypes: { x86_64: ['t3.large', 'm7i.large'], arm64: ['t4g.large', 'm7g.large'] },
    rootVolumeGiB: 30,
    burstBaselineShare: 0.3,
    slo: slo(300),
  },
  {
    name: 'xlarge',
    ramMiB: 16384,
    vcpus: 4,
    instanceTypes: { x86_64: ['m7i.xlarge'], arm64: ['m7g.xlarge'] },
    rootVolumeGiB: 50,
    slo: slo(600),
  },
  {
    name: '2xlarge',
    ramMiB: 32768,
    vcpus: 8,
    instanceTypes: { x86_64: ['m7i.2xlarge'], arm64: ['m7g.2xlarge'] },
    rootVolumeGiB: 80,
    slo: slo(1200),
  },
];
