"""A security group rule's description, whatever the rule's source, as on AWS.

AWS (DescribeSecurityGroupRules, SecurityGroupRule.Description): every rule reports the description it was
created with, whether its source is a CIDR, a prefix list or another security group (IpPermissions.N.UserIdGroupPairs.N.Description).
moto reports it only for CIDR rules, so a rule that references a group loses its description (Terraform's
aws_vpc_security_group_*_rule then plans to set it again on every apply). Here a group-referencing rule
reports the description given with the group pair.
"""
from moto.ec2.models.security_groups import SecurityGroupRule

_description = SecurityGroupRule.description


def description(self):
    own = _description.fget(self)
    if own is None and self.source_group:
        return self.source_group.get("Description")
    return own


SecurityGroupRule.description = property(description)
