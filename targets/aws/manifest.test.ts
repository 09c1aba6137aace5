import { describe, expect, it } from 'vitest';
import { amisOf, parseManifest, runUuids, thisRun } from './manifest.ts';

// The layout Packer's manifest post-processor writes: one entry appended per build per run.
const run1 = {
  name: 'kiln',
  builder_type: 'amazon-ebs',
  build_time: 1767225600,
  files: null,
  artifact_id: 'us-east-1:ami-0aaa1111bbbb2222c',
  packer_run_uuid: 'uuid-1',
  custom_data: { tier: 'nano' },
};
const run2 = { ...run1, artifact_id: 'us-east-1:ami-0ddd3333eeee4444f,eu-west-1:ami-0123456789abcdef0', packer_run_uuid: 'uuid-2' };

describe('packer manifest', () => {
  it('picks this run by packer_run_uuid among appended runs', () => {
    const before = runUuids(parseManifest(JSON.stringify({ builds: [run1], last_run_uuid: 'uuid-1' })));
    const after = parseManifest(JSON.stringify({ builds: [run1, run2], last_run_uuid: 'uuid-2' }));
    expect(thisRun(after, before)).toEqual({
      runUuid: 'uuid-2',
      amis: { 'us-east-1': 'ami-0ddd3333eeee4444f', 'eu-west-1': 'ami-0123456789abcdef0' },
    });
  });

  it('refuses a manifest whose last run is one that was already there (the build never reached the post-processor)', () => {
    const m = parseManifest(JSON.stringify({ builds: [run1], last_run_uuid: 'uuid-1' }));
    expect(() => thisRun(m, runUuids(m))).toThrow(/no entry for this run/);
  });

  it('rejects artifact ids that are not region:ami pairs', () => {
    expect(amisOf('us-east-1:ami-0aaa1111bbbb2222c')).toEqual({ 'us-east-1': 'ami-0aaa1111bbbb2222c' });
    expect(() => amisOf('us-east-1:snap-1')).toThrow(/unexpected amazon artifact id/);
  });
});
