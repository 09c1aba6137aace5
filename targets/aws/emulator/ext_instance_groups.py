"""An instance's security groups are its primary network interface's, as on AWS.

AWS (DescribeInstances, Instance.SecurityGroups; RunInstances, NetworkInterface.N.Groups): a VPC instance's
security groups are those of its primary network interface (device index 0). RunInstances may name them either
at the top level (SecurityGroupId.N) or on the interface spec (NetworkInterface.1.SecurityGroupId.N, which the
AWS SDKs and Terraform use whenever they also set AssociatePublicIpAddress); DescribeInstances reports them the
same way in both cases. moto reports only the top-level ones, so an instance launched with the groups on its
interface appears to have none. Here the instance reports its primary interface's groups.
"""
from moto.ec2.models.instances import Instance

_groups = Instance.dynamic_group_list


def dynamic_group_list(self):
    primary = getattr(self, "nics", {}).get(0)
    if primary is not None:
        # group_set already includes the top-level groups moto attaches to the instance.
        return list(primary.group_set)
    return _groups.fget(self)


Instance.dynamic_group_list = property(dynamic_group_list)
