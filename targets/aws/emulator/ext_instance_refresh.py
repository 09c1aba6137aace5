"""Instance refreshes on moto's autoscaling: StartInstanceRefresh, DescribeInstanceRefreshes, CancelInstanceRefresh,
RollbackInstanceRefresh (moto 5.1 answers 500 for all four).

State lives on moto's objects (a list on each FakeAutoScalingGroup), so moto's reset wipes it. A refresh advances one
step each time DescribeInstanceRefreshes is called for its group, so a poller drives it deterministically:

  Pending -> InProgress                 instances to update counted (SkipMatching leaves those already on the desired config)
  InProgress, each step:                first the failure checks, on real API state:
                                          an alarm of AlarmSpecification in ALARM (CloudWatch's backend),
                                          the desired version's AMI not registered (never created, or deregistered);
                                        a failure -> RollbackInProgress with AutoRollback, else Failed;
                                        otherwise one batch replaced (terminate old, launch from the desired version),
                                        one step spent at each checkpoint below 100%, none left -> Successful, and only
                                        then the group's launch template becomes the desired one (AWS's order).
  Cancelling -> Cancelled               (CancelInstanceRefresh; replaced instances stay, the group's config is unchanged)
  RollbackInProgress, each step:        one batch of replaced instances back to the previous config
                                        -> RollbackSuccessful, or RollbackFailed when the previous AMI is gone.

A second StartInstanceRefresh while one is Pending, InProgress, Baking, Cancelling or RollbackInProgress is refused
with InstanceRefreshInProgress.
"""
import math
import random
import threading
import uuid
from datetime import datetime, timezone

from moto.autoscaling.exceptions import AutoscalingClientError
from moto.autoscaling.models import InstanceState, autoscaling_backends
from moto.autoscaling.responses import AutoScalingResponse
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult

ACTIVE = {"Pending", "InProgress", "Baking", "Cancelling", "RollbackInProgress"}
# What Cancel and Rollback act on: a rollback itself cannot be cancelled or rolled back.
FORWARD = {"Pending", "InProgress", "Baking"}
# Moto's server handles requests on threads; a step must not interleave with a start or a cancel.
lock = threading.Lock()


class InstanceRefreshInProgress(ServiceException):
    code = "InstanceRefreshInProgress"
    message = "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh."


class ActiveInstanceRefreshNotFound(ServiceException):
    code = "ActiveInstanceRefreshNotFound"


class IrreversibleInstanceRefresh(ServiceException):
    code = "IrreversibleInstanceRefresh"


def now():
    return datetime.now(timezone.utc)


def validation(message):
    return AutoscalingClientError("ValidationError", message)


def refreshes_of(group):
    # Kept on moto's group object: deleting the group or resetting moto drops its refreshes.
    if not hasattr(group, "kiln_instance_refreshes"):
        group.kiln_instance_refreshes = []
    return group.kiln_instance_refreshes


class Refresh:
    def __init__(self, group, desired, previous, preferences, strategy):
        self.id = str(uuid.uuid4())
        self.group = group
        self.status = "Pending"
        self.status_reason = None
        self.start_time = now()
        self.end_time = None
        self.strategy = strategy
        self.preferences = preferences
        # (template, version string as given): what instances are moved to, and what the group had before.
        self.desired = desired
        self.previous = previous
        self.desired_param = None
        self.to_update = []
        self.replaced = []
        self.total = 0
        self.checkpoints_passed = set()
        self.waiting_checkpoint = False
        self.rollback = None
        self.rollback_queue = []
        self.rollback_total = 0

    # Progress as AWS reports it: the share of the instances to update that are done.
    def percentage(self):
        if self.status in ("RollbackInProgress", "RollbackSuccessful", "RollbackFailed"):
            done = self.rollback_total - len(self.rollback_queue)
            if self.rollback_total == 0:
                return 100 if self.status == "RollbackSuccessful" else 0
            return math.floor(100 * done / self.rollback_total)
        if self.total == 0:
            return 100 if self.status == "Successful" else 0
        return math.floor(100 * len(self.replaced) / self.total)

    def remaining(self):
        if self.status in ("RollbackInProgress", "RollbackSuccessful", "RollbackFailed"):
            return len(self.rollback_queue)
        return len(self.to_update)

    def batch_size(self):
        capacity = max(1, len(self.group.instance_states))
        low = self.preferences.get("MinHealthyPercentage", 90)
        high = self.preferences.get("MaxHealthyPercentage", 100)
        return max(1, math.floor(capacity * (high - low) / 100))

    def end(self, status, reason=None):
        self.status = status
        if reason is not None:
            self.status_reason = reason
        self.end_time = now()

    def fail(self, reason):
        if self.preferences.get("AutoRollback"):
            self.start_rollback(reason)
        else:
            self.end("Failed", reason)

    def start_rollback(self, reason):
        self.rollback = {
            "RollbackReason": reason,
            "RollbackStartTime": now(),
            "PercentageCompleteOnRollback": self.percentage(),
            "InstancesToUpdateOnRollback": len(self.to_update),
        }
        self.status_reason = reason
        self.rollback_queue = list(self.replaced)
        self.rollback_total = len(self.rollback_queue)
        self.status = "RollbackInProgress"

    # One step of the state machine (called once per DescribeInstanceRefreshes of the group).
    def step(self):
        if self.status == "Pending":
            self.to_update = [s.instance.id for s in self.group.instance_states if not self.matches(s.instance)]
            self.total = len(self.to_update)
            self.status = "InProgress"
        elif self.status == "InProgress":
            self.step_forward()
        elif self.status == "Cancelling":
            self.end("Cancelled", "Instance refresh cancelled.")
        elif self.status == "RollbackInProgress":
            self.step_back()

    def step_forward(self):
        fired = self.alarms_in_alarm()
        if fired:
            self.fail(f"CloudWatch alarm(s) in ALARM state: {', '.join(fired)}")
            return
        template, version = self.desired
        image = template.get_version(version).image_id
        if image not in self.group.ec2_backend.amis:
            self.fail(f"Instance launch failed: The image id '[{image}]' does not exist (launch template {template.id} version {version}).")
            return
        if self.waiting_checkpoint:
            # The checkpoint's delay is one step here; the alarms above were still checked.
            self.waiting_checkpoint = False
            self.status_reason = None
            return
        if not self.to_update:
            self.group._set_launch_configuration(None, {"LaunchTemplateId": template.id, "Version": version}, None)
            self.end("Successful")
            return
        batch = min(self.batch_size(), len(self.to_update))
        # A batch stops at the next checkpoint, where the refresh pauses for a step.
        for cp in sorted(self.preferences.get("CheckpointPercentages") or []):
            if cp >= 100 or cp in self.checkpoints_passed:
                continue
            needed = math.ceil(self.total * cp / 100) - len(self.replaced)
            if needed > 0:
                batch = min(batch, needed)
            break
        ids = self.to_update[:batch]
        self.to_update = self.to_update[batch:]
        self.replaced += replace(self.group, ids, template, version)
        for cp in self.preferences.get("CheckpointPercentages") or []:
            if cp < 100 and cp not in self.checkpoints_passed and self.percentage() >= cp:
                self.checkpoints_passed.add(cp)
                self.waiting_checkpoint = True
                self.status_reason = f"Waiting for checkpoint at {cp}% ({self.preferences.get('CheckpointDelay', 3600)} s delay)."

    def step_back(self):
        template, version = self.previous
        image = template.get_version(version).image_id
        if image not in self.group.ec2_backend.amis:
            self.end("RollbackFailed", f"{self.status_reason} Rollback failed: the previous image id '[{image}]' does not exist.")
            return
        if not self.rollback_queue:
            self.end("RollbackSuccessful")
            return
        batch = min(self.batch_size(), len(self.rollback_queue))
        ids = self.rollback_queue[:batch]
        self.rollback_queue = self.rollback_queue[batch:]
        replace(self.group, ids, template, version)

    def matches(self, instance):
        if not self.preferences.get("SkipMatching"):
            return False
        template, version = self.desired
        wanted = template.get_version(version)
        launched = getattr(instance, "kiln_launched_from", None)
        if launched is not None:
            return launched == (template.id, wanted.number)
        # Launched by moto itself (group creation, scaling): compare what the instance runs.
        return instance.image_id == wanted.image_id and instance.instance_type == wanted.instance_type

    def alarms_in_alarm(self):
        names = (self.preferences.get("AlarmSpecification") or {}).get("Alarms") or []
        alarms = cloudwatch_backends[self.group.account_id][self.group.region].alarms
        return [n for n in names if n in alarms and alarms[n].state_value == "ALARM"]

    def render(self):
        out = {
            "InstanceRefreshId": self.id,
            "AutoScalingGroupName": self.group.name,
            "Status": self.status,
            "StartTime": self.start_time,
            "PercentageComplete": self.percentage(),
            "InstancesToUpdate": self.remaining(),
            "Strategy": self.strategy,
            "Preferences": self.preferences,
        }
        if self.status_reason:
            out["StatusReason"] = self.status_reason
        if self.end_time:
            out["EndTime"] = self.end_time
        if self.desired_param:
            out["DesiredConfiguration"] = {"LaunchTemplate": self.desired_param}
        if self.rollback:
            out["RollbackDetails"] = self.rollback
        return out


def replace(group, instance_ids, template, version):
    """Terminates these instances of the group and launches as many from the template version; returns the new ids."""
    ec2 = group.ec2_backend
    states = [s for s in group.instance_states if s.instance.id in instance_ids]
    if not states:
        return []
    ec2.terminate_instances([s.instance.id for s in states])
    group.instance_states = [s for s in group.instance_states if s.instance.id not in instance_ids]
    v = template.get_version(version)
    tags = group.get_propagated_tags()
    tags["aws:autoscaling:groupName"] = group.name
    tags.update(v.instance_tags)
    subnet_id = group.vpc_zone_identifier.split(",")[0] if group.vpc_zone_identifier else None
    reservation = ec2.run_instances(
        v.image_id, len(states), v.user_data, v.security_groups,
        instance_type=v.instance_type, tags={"instance": tags}, placement=random.choice(group.availability_zones),
        launch_config=None, launch_template={"LaunchTemplateId": template.id, "Version": str(v.number)},
        is_instance_type_default=False, associate_public_ip=None, subnet_id=subnet_id,
    )
    for instance in reservation.instances:
        instance.autoscaling_group = group
        instance.kiln_launched_from = (template.id, v.number)
        group.instance_states.append(InstanceState(instance, protected_from_scale_in=group.new_instances_protected_from_scale_in))
    group.autoscaling_backend.update_attached_elbs(group.name)
    group.autoscaling_backend.update_attached_target_groups(group.name)
    return [i.id for i in reservation.instances]


def group_named(response, name):
    backend = autoscaling_backends[response.current_account][response.region]
    group = backend.autoscaling_groups.get(name)
    if group is None:
        raise validation(f"AutoScalingGroup name not found - {name}")
    return group


def active_of(group, statuses):
    return next((r for r in refreshes_of(group) if r.status in statuses), None)


def template_of(group, spec):
    ec2 = group.ec2_backend
    if spec.get("LaunchTemplateId") and spec.get("LaunchTemplateName"):
        raise validation("Valid requests must contain either launchTemplateId or LaunchTemplateName")
    if spec.get("LaunchTemplateId"):
        if spec["LaunchTemplateId"] not in ec2.launch_templates:
            raise validation(f"The specified launch template, with template ID {spec['LaunchTemplateId']}, does not exist.")
        return ec2.get_launch_template(spec["LaunchTemplateId"])
    if spec.get("LaunchTemplateName"):
        if spec["LaunchTemplateName"] not in ec2.launch_template_name_to_ids:
            raise validation(f"The specified launch template, with template name {spec['LaunchTemplateName']}, does not exist.")
        return ec2.get_launch_template_by_name(spec["LaunchTemplateName"])
    raise validation("Valid requests must contain either launchTemplateId or LaunchTemplateName")


def start_instance_refresh(self):
    group = group_named(self, self._get_param("AutoScalingGroupName"))
    preferences = self._get_param("Preferences") or {}
    strategy = self._get_param("Strategy") or "Rolling"
    wanted = (self._get_param("DesiredConfiguration") or {}).get("LaunchTemplate")
    if group.ec2_launch_template is None:
        raise validation("An instance refresh needs an Auto Scaling group with a launch template.")
    previous = (group.ec2_launch_template, group.provided_launch_template_version or "$Default")
    with lock:
        if active_of(group, ACTIVE):
            raise InstanceRefreshInProgress()
        if wanted:
            template = template_of(group, wanted)
            version = wanted.get("Version") or "$Default"
            try:
                template.get_version(version)
            except (IndexError, ValueError):
                raise validation(f"The specified launch template version {version} does not exist for {template.id}.")
        else:
            template, version = previous
        if preferences.get("AutoRollback"):
            # AWS's documented limits of auto rollback: it needs a desired configuration to roll back from, and
            # numbered versions on both sides (a rollback to "$Latest" would land on the new version).
            if not wanted:
                raise validation("AutoRollback requires a DesiredConfiguration.")
            for v in (previous[1], version):
                if str(v).lower() in ("$latest", "$default"):
                    raise validation(f"AutoRollback is not supported when the launch template version is {v}.")
        r = Refresh(group, (template, version), previous, preferences, strategy)
        if wanted:
            r.desired_param = {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name, "Version": version}
        refreshes_of(group).insert(0, r)
    return ActionResult({"InstanceRefreshId": r.id})


def describe_instance_refreshes(self):
    group = group_named(self, self._get_param("AutoScalingGroupName"))
    ids = self._get_param("InstanceRefreshIds") or []
    max_records = int(self._get_param("MaxRecords") or 50)
    token = self._get_param("NextToken")
    with lock:
        for r in refreshes_of(group):
            if r.status in ACTIVE:
                r.step()
        listed = [r.render() for r in refreshes_of(group) if not ids or r.id in ids]
    start = int(token) if token else 0
    page = listed[start:start + max_records]
    result = {"InstanceRefreshes": page}
    if start + max_records < len(listed):
        result["NextToken"] = str(start + max_records)
    return ActionResult(result)


def running_refresh(self, group):
    """The group's pending or in-progress refresh (call under lock); AWS's fault when there is none."""
    r = active_of(group, FORWARD)
    if r is None:
        raise ActiveInstanceRefreshNotFound(f"No in progress or pending Instance Refresh found for Auto Scaling group {self._get_param('AutoScalingGroupName')}")
    return r


def cancel_instance_refresh(self):
    group = group_named(self, self._get_param("AutoScalingGroupName"))
    with lock:
        r = running_refresh(self, group)
        r.status = "Cancelling"
        r.status_reason = "Instance refresh cancellation requested."
    return ActionResult({"InstanceRefreshId": r.id})


def rollback_instance_refresh(self):
    group = group_named(self, self._get_param("AutoScalingGroupName"))
    with lock:
        r = running_refresh(self, group)
        if not r.desired_param or str(r.previous[1]).lower() in ("$latest", "$default"):
            raise IrreversibleInstanceRefresh("The instance refresh has no desired configuration or the previous configuration uses $Latest or $Default: it cannot be rolled back.")
        r.start_rollback("Rollback requested by RollbackInstanceRefresh.")
    return ActionResult({"InstanceRefreshId": r.id})


AutoScalingResponse.start_instance_refresh = start_instance_refresh
AutoScalingResponse.describe_instance_refreshes = describe_instance_refreshes
AutoScalingResponse.cancel_instance_refresh = cancel_instance_refresh
AutoScalingResponse.rollback_instance_refresh = rollback_instance_refresh
