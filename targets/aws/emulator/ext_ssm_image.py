"""SSM's asynchronous validation of `aws:ec2:image` parameters, which moto skips (it stores the version at once).

AWS (PutParameter, DataType; "Native parameter support for Amazon Machine Image IDs"): PutParameter with
DataType aws:ec2:image returns the new version before the value is validated. The version comes to exist only
once validation finds an available AMI with that id in the account and region; otherwise it never exists and
the parameter keeps its previous versions. A 200 from PutParameter therefore proves nothing.

Here validation completes deterministically instead of after some seconds: a pending version is settled by the
VALIDATION_CALLS-th call that reads its parameter (GetParameter(s), GetParameterHistory, Label/Unlabel, and any
Describe/ByPath listing), before that call is answered. Until then it is invisible to every read and cannot be
labelled (ParameterVersionNotFound), exactly as on AWS while validation runs. The AMI is looked up in moto's EC2
backend of the same account and region when validation completes, not when the value was put.
"""
import threading

from moto.ec2.exceptions import InvalidAMIIdError, MalformedAMIIdError
from moto.ec2.models import ec2_backends
from moto.ssm.models import ParameterDict, SimpleSystemManagerBackend
from moto.ssm.responses import SimpleSystemManagerResponse

IMAGE = "aws:ec2:image"
# Reads of the parameter after the put until validation completes: the first read after a put never sees it.
VALIDATION_CALLS = 2

# moto's server answers requests on threads; pending state and the version lists change together.
_lock = threading.RLock()


def _pending(backend):
    """name -> list of [Parameter, calls left], per backend (a reset makes new backends, so this goes too)."""
    if not hasattr(backend, "_kiln_pending_images"):
        backend._kiln_pending_images = {}
    return backend._kiln_pending_images


def _key(backend, name):
    name = str(name or "")
    if name.startswith(backend.ssm_prefix):
        name = name[len(backend.ssm_prefix):]
    # `name:version` and `name:label` selectors read the same parameter.
    return ParameterDict.normalize_name(name.split(":")[0])


def _image_available(backend, ami_id):
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    try:
        images = ec2.describe_images(ami_ids=[ami_id])
    except (InvalidAMIIdError, MalformedAMIIdError):
        return False
    return any(getattr(i, "state", None) == "available" for i in images)


def _settle(backend, names):
    pending = _pending(backend)
    for key in {_key(backend, n) for n in names}:
        entries = pending.get(key)
        if not entries:
            continue
        for entry in entries:
            entry[1] -= 1
        for entry in [e for e in entries if e[1] <= 0]:
            entries.remove(entry)
            param = entry[0]
            # A value that is not an available AMI here is dropped: that version never exists.
            if _image_available(backend, param.value):
                versions = backend._parameters[key]
                versions.append(param)
                versions.sort(key=lambda p: p.version)
        if not entries:
            del pending[key]


_put = SimpleSystemManagerBackend.put_parameter


def put_parameter(self, name, description, value, parameter_type, allowed_pattern, keyid, overwrite, tags, data_type, tier, policies):
    if data_type != IMAGE:
        return _put(self, name, description, value, parameter_type, allowed_pattern, keyid, overwrite, tags, data_type, tier, policies)
    with _lock:
        # moto's own checks (names, types, overwrite, the 100-version limit) and tags run as for any put.
        param = _put(self, name, description, value, parameter_type, allowed_pattern, keyid, overwrite, tags, data_type, tier, policies)
        key = _key(self, name)
        versions = self._parameters[key]
        versions.remove(param)
        if not versions:
            del self._parameters[key]
        queue = _pending(self).setdefault(key, [])
        # Version numbers stay unique across versions still being validated.
        param.version = max([param.version] + [p.version + 1 for p, _ in queue])
        queue.append([param, VALIDATION_CALLS])
        return param


SimpleSystemManagerBackend.put_parameter = put_parameter


def _reads(method, names_of):
    def wrapped(self):
        with _lock:
            _settle(self.ssm_backend, names_of(self))
            return method(self)
    wrapped.__name__ = method.__name__
    return wrapped


def _one(self):
    return [self._get_param("Name")]


def _all(self):
    return list(_pending(self.ssm_backend).keys())


for _name, _names_of in {
    "get_parameter": _one,
    "get_parameters": lambda self: list(self._get_param("Names") or []),
    "get_parameter_history": _one,
    "label_parameter_version": _one,
    "unlabel_parameter_version": _one,
    "describe_parameters": _all,
    "get_parameters_by_path": _all,
}.items():
    if hasattr(SimpleSystemManagerResponse, _name):
        setattr(SimpleSystemManagerResponse, _name, _reads(getattr(SimpleSystemManagerResponse, _name), _names_of))
