import type { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Instance } from '@cdktf/provider-aws/lib/instance/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { KeyPair } from '@cdktf/provider-aws/lib/key-pair/index.js';
import { isSharedVerifier, type CandidateStackData, type SharedVerifierData } from './data.ts';
import { declareBackend } from './backend.ts';
import { declareAwsProvider } from './provider.ts';

/** One instance of a candidate AMI and the verifier beside it in the same subnet, for one verify run; only the verifier faces the runner. */
export class CandidateStack extends TerraformStack {
  constructor(scope: Construct, id: string, d: CandidateStackData) {
    super(scope, id);
    declareBackend(this, d.backend);
    declareAwsProvider(this, d.region, d.tags);

    // Egress stays open: the candidate's first boot fetches secrets from SSM, and the verifier's load goes out to it.
    const egress = [{ description: 'all out', protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }];
    const own = isSharedVerifier(d.verifier) ? null : d.verifier;
    const verifierSg = own
      ? new SecurityGroup(this, 'verifier-sg', {
          name: `${d.name}-verifier`,
          description: 'kiln verifier: SSH from the runner only',
          vpcId: d.vpcId,
          ingress: [{ description: 'runner to 22', protocol: 'tcp', fromPort: 22, toPort: 22, cidrBlocks: [d.verifierCidr] }],
          egress,
          tags: d.tags,
        })
      : null;
    const verifierSgId = verifierSg ? verifierSg.id : (d.verifier as SharedVerifierData).securityGroupId;
    // By group, not address: the load and the SSH hops come from the verifier inside the VPC, never from the internet.
    const ingress = (port: number) => ({
      description: `verifier to ${port}`,
      protocol: 'tcp',
      fromPort: port,
      toPort: port,
      securityGroups: [verifierSgId],
    });
    const sg = new SecurityGroup(this, 'sg', {
      name: d.name,
      description: 'kiln candidate: verifier only',
      vpcId: d.vpcId,
      ingress: [ingress(22), ingress(80)],
      egress,
      tags: d.tags,
    });
    const key = new KeyPair(this, 'key', { keyName: d.name, publicKey: d.sshPublicKey, tags: d.tags });
    // Both instances alike: this run's key, IMDSv2 only, an encrypted root deleted with them, the run's tags.
    const instance = (
      id: string,
      o: { ami: string; instanceType: string; cpuCredits?: string; sg: string; rootGiB: number; name: string; userData?: string },
    ) =>
      new Instance(this, id, {
        ami: o.ami,
        instanceType: o.instanceType,
        creditSpecification: o.cpuCredits ? { cpuCredits: o.cpuCredits } : undefined,
        subnetId: d.subnetId,
        vpcSecurityGroupIds: [o.sg],
        keyName: key.keyName,
        associatePublicIpAddress: true,
        // Every tier's types (and the verifier's) are EBS-optimized by default; stated so a scan need not know that.
        ebsOptimized: true,
        metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
        rootBlockDevice: { volumeSize: o.rootGiB, volumeType: 'gp3', encrypted: true, deleteOnTermination: true, tags: d.tags },
        userData: o.userData,
        tags: { ...d.tags, Name: o.name },
      });
    const vm = instance('candidate', {
      ami: d.amiId,
      instanceType: d.instanceType,
      cpuCredits: d.cpuCredits,
      sg: sg.id,
      rootGiB: d.rootVolumeGiB,
      name: d.name,
      userData: d.userData,
    });
    const verifier =
      own && verifierSg
        ? instance('verifier', {
            ami: own.amiId,
            instanceType: own.instanceType,
            cpuCredits: own.cpuCredits,
            sg: verifierSg.id,
            rootGiB: own.rootVolumeGiB,
            name: `${d.name}-verifier`,
          })
        : null;
    new TerraformOutput(this, 'address', { value: vm.publicIp });
    new TerraformOutput(this, 'private_address', { value: vm.privateIp });
    new TerraformOutput(this, 'instance_id', { value: vm.id });
    if (verifier && verifierSg) {
      new TerraformOutput(this, 'verifier_address', { value: verifier.publicIp });
      new TerraformOutput(this, 'verifier_instance_id', { value: verifier.id });
      new TerraformOutput(this, 'verifier_security_group_id', { value: verifierSg.id });
    }
  }
}
