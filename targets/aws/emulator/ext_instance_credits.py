"""The CPU credit option of burstable instances: set at launch, read and changed later, as on AWS.

AWS (Burstable performance instances; RunInstances CreditSpecification; DescribeInstanceCreditSpecifications;
ModifyInstanceCreditSpecification): a T2 launches in `standard` mode and a T3, T3a or T4g in `unlimited` mode
unless RunInstances states CreditSpecification.CpuCredits; DescribeInstanceCreditSpecifications reports the mode
in force and ModifyInstanceCreditSpecification switches it, per instance, answering which instances succeeded.
moto answers `standard` for every instance and has no Modify. Here each instance keeps its mode.
"""
import threading

from moto.ec2.models.instances import InstanceBackend
from moto.ec2.responses.instances import InstanceResponse

_state = threading.local()
MODES = ("standard", "unlimited")


def _default_mode(instance_type):
    family = str(instance_type or "").split(".")[0]
    if family == "t2":
        return "standard"
    return "unlimited" if family.startswith("t") else None


def _mode(instance):
    return getattr(instance, "_kiln_cpu_credits", None) or _default_mode(instance.instance_type) or "standard"


_run_response = InstanceResponse.run_instances
_run_backend = InstanceBackend.run_instances


def run_instances_response(self):
    # The request's value reaches the backend through the thread answering this request.
    _state.cpu_credits = self._get_param("CreditSpecification.CpuCredits")
    try:
        return _run_response(self)
    finally:
        _state.cpu_credits = None


def run_instances_backend(self, *args, **kwargs):
    reservation = _run_backend(self, *args, **kwargs)
    asked = getattr(_state, "cpu_credits", None)
    for instance in reservation.instances:
        instance._kiln_cpu_credits = asked if asked in MODES else _default_mode(instance.instance_type)
    return reservation


def describe_instance_credit_specifications(self):
    instances = self.ec2_backend.describe_instance_credit_specifications(self._get_multi_param("InstanceId"))
    items = "".join(f"<item><instanceId>{i.id}</instanceId><cpuCredits>{_mode(i)}</cpuCredits></item>" for i in instances)
    return (
        '<DescribeInstanceCreditSpecificationsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        f"<requestId>kiln-credits</requestId><instanceCreditSpecificationSet>{items}</instanceCreditSpecificationSet>"
        "</DescribeInstanceCreditSpecificationsResponse>"
    )


def modify_instance_credit_specification(self):
    ok, failed = [], []
    for spec in self._get_multi_param("InstanceCreditSpecification"):
        iid, mode = spec.get("InstanceId"), spec.get("CpuCredits")
        try:
            instance = self.ec2_backend.get_instance(iid)
        except Exception:
            failed.append((iid, "InvalidInstanceID.NotFound", f"The instance ID '{iid}' does not exist"))
            continue
        if mode not in MODES or _default_mode(instance.instance_type) is None:
            failed.append((iid, "InvalidParameterValue", f"CPU credits {mode!r} do not apply to {instance.instance_type}"))
            continue
        instance._kiln_cpu_credits = mode
        ok.append(iid)
    self.error_on_dryrun()
    good = "".join(f"<item><instanceId>{i}</instanceId></item>" for i in ok)
    bad = "".join(f"<item><instanceId>{i}</instanceId><error><code>{c}</code><message>{m}</message></error></item>" for i, c, m in failed)
    return (
        '<ModifyInstanceCreditSpecificationResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        f"<requestId>kiln-credits</requestId><successfulInstanceCreditSpecificationSet>{good}</successfulInstanceCreditSpecificationSet>"
        f"<unsuccessfulInstanceCreditSpecificationSet>{bad}</unsuccessfulInstanceCreditSpecificationSet>"
        "</ModifyInstanceCreditSpecificationResponse>"
    )


InstanceResponse.run_instances = run_instances_response
InstanceBackend.run_instances = run_instances_backend
InstanceResponse.describe_instance_credit_specifications = describe_instance_credit_specifications
InstanceResponse.modify_instance_credit_specification = modify_instance_credit_specification
