"""CreateImage's TagSpecifications for ResourceType `snapshot`, which moto refuses (NotImplementedError).

AWS (CreateImage, TagSpecifications): tags with ResourceType `image` go on the AMI, tags with ResourceType
`snapshot` on every snapshot CreateImage makes of the instance's EBS volumes (the same tags on each); both may
be given in one call. Any other resource type is an error, as moto already answers.
"""
from moto.ec2.models.amis import AmiBackend

_create_image = AmiBackend.create_image


def create_image(self, instance_id, name, description, tag_specifications):
    specs = tag_specifications or []
    snapshot_tags = {}
    for spec in specs:
        if spec.get("ResourceType") == "snapshot":
            snapshot_tags.update({t["Key"]: t["Value"] for t in spec.get("Tag", [])})
    ami = _create_image(self, instance_id, name, description, [s for s in specs if s.get("ResourceType") != "snapshot"])
    snapshot = getattr(ami, "ebs_snapshot", None)
    if snapshot_tags and snapshot is not None:
        self.create_tags([snapshot.id], snapshot_tags)
    return ami


AmiBackend.create_image = create_image
