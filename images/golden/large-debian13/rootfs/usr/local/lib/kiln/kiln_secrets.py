"""kiln first boot: the instance's secrets, from SSM Parameter Store (instance role, IMDSv2) or generated here.

Imported by firstboot.py from the same directory. boto3 (the distro's python3-boto3) only when the source is "ssm".
"""
import json
import os
import re
import secrets
import time
import urllib.request

# A local box's secrets file, bind-mounted read-only by the launcher (never in the image or the user data).
SECRETS_FILE = os.environ.get("KILN_SECRETS_FILE", "/run/kiln/secrets.json")
NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
# Connection strings point at something that exists: they are given, never made up.
NOT_GENERATED = {"DATABASE_URL", "REDIS_URL"}


class SecretsError(Exception):
    """A secret could not be had; firstboot fails the boot with this message."""


def imds_region():
    """Region from IMDSv2 (token first: the launch template requires tokens)."""
    base = "http://169.254.169.254/latest"
    for attempt in range(10):
        try:
            req = urllib.request.Request(f"{base}/api/token", method="PUT",
                                         headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
            token = urllib.request.urlopen(req, timeout=3).read().decode()
            req = urllib.request.Request(f"{base}/meta-data/placement/region", headers={"X-aws-ec2-metadata-token": token})
            return urllib.request.urlopen(req, timeout=3).read().decode().strip()
        except OSError as e:
            last = e
            time.sleep(min(2 ** attempt, 10))
    raise SecretsError(f"IMDSv2 did not answer: {last}")


def given_secrets(path=SECRETS_FILE):
    """The launch's secrets file, when there is one: a JSON object of names to strings."""
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise SecretsError(f"{path}: {e}")
    if not isinstance(doc, dict) or not all(isinstance(k, str) and NAME.match(k) and isinstance(v, str) for k, v in doc.items()):
        raise SecretsError(f"{path} must map NAMES (A-Z, 0-9, _) to strings")
    return doc


def fetch_secrets(spec):
    if spec["source"] == "generate":
        given = given_secrets()
        out = {"KILN_SECRET_KEY": given.get("SECRET_KEY") or secrets.token_urlsafe(50)}
        for name in spec.get("names", []):
            if name in given:
                out[name] = given[name]
            elif name in NOT_GENERATED:
                raise SecretsError(f"{name} is a secret of this app and cannot be generated: give it in the launch's secrets file ({SECRETS_FILE})")
            else:
                out[name] = secrets.token_urlsafe(32)
        return out
    try:
        import boto3  # the distro's python3-boto3 (AMI profile); it signs with the instance role via IMDSv2
    except ImportError:
        raise SecretsError("secrets.source is 'ssm' but boto3 is not installed (profile packages: python3-boto3)")
    region = spec.get("region") or os.environ.get("AWS_DEFAULT_REGION") or imds_region()
    client = boto3.client("ssm", region_name=region, endpoint_url=os.environ.get("KILN_SSM_ENDPOINT_URL") or None)
    out = {}
    for env_name, param in sorted(spec["parameters"].items()):
        try:
            out[env_name] = client.get_parameter(Name=param, WithDecryption=True)["Parameter"]["Value"]
        except Exception as e:  # noqa: BLE001 - any SDK error is fatal for the boot, named by parameter
            raise SecretsError(f"SSM parameter {param} (for {env_name}): {e}")
    if not out.get("KILN_SECRET_KEY"):
        raise SecretsError("secrets.parameters must provide KILN_SECRET_KEY")
    return out
