import type { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { KeyPair } from '@cdktf/provider-aws/lib/key-pair/index.js';
import type { CandidateStackData } from './data.ts';
import { declareBackend } from './backend.ts';

/** One instance of a candidate AMI, reachable only from the verifier, for one verify run. */
export class CandidateStack extends TerraformStack {
  constructor(scope: Construct, id: string, d: CandidateStackData) {
    super(scope, id);
    declareBackend(this, d.backend);
    new AwsProvider(this, 'aws', { region: d.region, defaultTags: [{ tags: d.tags }] });

    const ingress = (port: number) => ({
      description: `verifier to ${port}`, protocol: 'tcp', fromPort: port, toPort: port, cidrBlocks: [d.verifierCidr],
    });
    const sg = new SecurityGroup(this, 'sg', {
      name: d.name,
      description: 'kiln candidate: verifier only',
      vpcId: d.vpcId,
      ingress: [ingress(22), ingress(80)],
      // Egress stays open: first boot fetches secrets from SSM and packages may phone home.
      egress: [{ description: 'all out', protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
      tags: d.tags,
    });
    const key = new KeyPair(this, 'key', { keyName: d.name, publicKey: d.sshPublicKey, tags: d.tags });
    const vm = new Instance(this, 'candidate', {
      ami: d.amiId,
      instanceType: d.instanceType,
      creditSpecification: d.cpuCredits ? { cpuCredits: d.cpuCredits } : undefined,
      subnetId: d.subnetId,
      vpcSecurityGroupIds: [sg.id],
      keyName: key.keyName,
      associatePublicIpAddress: true,
      metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
      rootBlockDevice: { volumeSize: d.rootVolumeGiB, volumeType: 'gp3', encrypted: true, deleteOnTermination: true, tags: d.tags },
      userData: d.userData,
      tags: { ...d.tags, Name: d.name },
    });
    new TerraformOutput(this, 'address', { value: vm.publicIp });
    new TerraformOutput(this, 'private_address', { value: vm.privateIp });
    new TerraformOutput(this, 'instance_id', { value: vm.id });
  }
}
