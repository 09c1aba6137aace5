"""CreateLaunchTemplate's own tags stay on the launch template, out of its first version's data, as on AWS.

AWS (CreateLaunchTemplate, TagSpecification.N): the request's top-level TagSpecification tags the launch template
itself and takes only the resource type `launch-template`; LaunchTemplateData.TagSpecifications, which tag what
instances launched from a version create, take `instance`, `volume`, `network-interface` or
`spot-instances-request`, never `launch-template`. moto copies the top-level tags into version 1's data as well,
so DescribeLaunchTemplateVersions shows a `launch-template` entry AWS never returns (Terraform then plans to
remove it on every apply). Here that entry is dropped from the data before the template is stored; the template's
own tags are kept as moto sets them.
"""
from moto.ec2.models.launch_templates import LaunchTemplateBackend

_create = LaunchTemplateBackend.create_launch_template


def create_launch_template(self, name, description, template_data, tag_spec):
    specs = template_data.get("TagSpecifications")
    if isinstance(specs, list):
        kept = [s for s in specs if not (isinstance(s, dict) and s.get("ResourceType") == "launch-template")]
        if kept:
            template_data["TagSpecifications"] = kept
        else:
            del template_data["TagSpecifications"]
    return _create(self, name, description, template_data, tag_spec)


LaunchTemplateBackend.create_launch_template = create_launch_template
