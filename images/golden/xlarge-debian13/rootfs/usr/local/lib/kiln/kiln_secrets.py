"""kiln first boot: the instance's secrets, from SSM Parameter Store (instance role, IMDSv2) or generated here.

Imported by firstboot.py from the same directory. boto3 (the distro's python3-boto3) only when the source is "ssm".
"""
import os
import secrets
import time
import urllib.request


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


def fetch_secrets(spec):
    if spec["source"] == "generate":
        return {"KILN_SECRET_KEY": secrets.token_urlsafe(50)}
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
