#!/usr/bin/python3
"""kiln first boot: this instance's database role, PgBouncer userlist, secrets and app environment.

Run once per instance by kiln-firstboot.service, after PostgreSQL and cloud-init's write_files, before
PgBouncer and the app. Nothing it writes comes from the image or the user data: the database password is
generated here; other secrets come from SSM Parameter Store (instance role, IMDSv2) or are generated here.
/etc/kiln/boot.json (from user data) holds only names. Values are never evaluated by a shell.
Stdlib only; secrets come from kiln_secrets.py beside this file.
"""
import base64
import grp
import hashlib
import hmac
import json
import os
import pwd
import re
import secrets
import subprocess
import sys
import time

from kiln_secrets import SecretsError, fetch_secrets

# Tests point these at a scratch tree and a scratch cluster; the unit sets none of them.
ROOT = os.environ.get("KILN_FIRSTBOOT_ROOT", "")
APP_USER = os.environ.get("KILN_APP_USER", "kiln-app")
VENV = os.environ.get("KILN_VENV", "/opt/kiln/venv")
# Tests run the app from the rendered tree; on a box it is app.json's chdir.
APP_DIR = os.environ.get("KILN_APP_DIR")
PG_SOCKET_DIR = os.environ.get("KILN_PG_SOCKET_DIR", "/var/run/postgresql")
PG_PORT = os.environ.get("KILN_PG_PORT", "5432")
PGBOUNCER_PORT = "6432"
REDIS_URL = "redis://127.0.0.1:6379/0"
# PgBouncer runs as postgres on Debian and Ubuntu: it must read the userlist.
PG_OS_USER = "postgres"

BOOT_JSON, APP_ENV = ROOT + "/etc/kiln/boot.json", ROOT + "/etc/kiln/app.env"
APP_JSON = ROOT + "/etc/kiln/app.json"
USERLIST, DONE = ROOT + "/etc/pgbouncer/userlist.txt", ROOT + "/var/lib/kiln/firstboot.done"

ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
PG_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
HOST = re.compile(r"^(\*\.)?[A-Za-z0-9.-]{1,253}$|^\*$")
# What kiln itself sets: the recipe's env may not override them.
RESERVED = {"KILN_DB_NAME", "KILN_DB_USER", "KILN_DB_PASSWORD", "KILN_DB_HOST", "KILN_DB_PORT",
            "KILN_REDIS_URL", "KILN_ALLOWED_HOSTS", "KILN_SECRET_KEY",
            "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
COMMAND = re.compile(r"^[a-z_][a-z0-9_]*$")


class BootError(Exception):
    pass


def log(msg):
    print(f"kiln-firstboot: {msg}", file=sys.stderr, flush=True)


def load_boot(path=BOOT_JSON):
    try:
        with open(path, encoding="utf-8") as f:
            boot = json.load(f)
    except (OSError, ValueError) as e:
        raise BootError(f"{path}: {e} (cloud-init's write_files should have written it)")
    app = boot.get("app")
    if not isinstance(app, str) or not PG_NAME.match(app):
        raise BootError(f"boot.json app {app!r} is not a valid role/database name ({PG_NAME.pattern})")
    hosts = boot.get("allowedHosts")
    if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) and HOST.match(h) for h in hosts):
        raise BootError(f"boot.json allowedHosts {hosts!r} must be a non-empty list of host names")
    env = boot.get("env")
    if not isinstance(env, dict):
        raise BootError("boot.json env must be an object")
    for k, v in env.items():
        if not ENV_NAME.match(k) or k in RESERVED or not isinstance(v, str):
            raise BootError(f"boot.json env {k!r}: names match {ENV_NAME.pattern}, are not kiln's own, values are strings")
    src = boot.get("secrets", {})
    if src.get("source") not in ("ssm", "generate"):
        raise BootError(f"boot.json secrets.source {src.get('source')!r} is not 'ssm' or 'generate'")
    params = src.get("parameters", {})
    if not isinstance(params, dict) or not all(ENV_NAME.match(k) and isinstance(v, str) for k, v in params.items()):
        raise BootError("boot.json secrets.parameters must map env names to SSM parameter names")
    names = src.get("names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and ENV_NAME.match(n) for n in names):
        raise BootError("boot.json secrets.names must be a list of env names")
    return boot


def load_app(path=APP_JSON):
    """The image's description of its app (rendered at bake): settings module, working dir, boot commands."""
    try:
        with open(path, encoding="utf-8") as f:
            app = json.load(f)
    except (OSError, ValueError) as e:
        raise BootError(f"{path}: {e} (the image should carry it)")
    if not isinstance(app.get("settings"), str) or not MODULE.match(app["settings"]):
        raise BootError(f"app.json settings {app.get('settings')!r} is not a Python module path")
    if not isinstance(app.get("chdir"), str) or not app["chdir"].startswith("/"):
        raise BootError(f"app.json chdir {app.get('chdir')!r} is not an absolute path")
    services = app.get("services")
    if not isinstance(services, list) or not all(isinstance(x, str) for x in services):
        raise BootError("app.json services must list the services the image runs")
    cmds = app.get("bootCommands", [])
    if not isinstance(cmds, list) or not all(isinstance(c, list) and c and COMMAND.match(str(c[0])) and all(isinstance(a, str) for a in c) for c in cmds):
        raise BootError("app.json bootCommands must be lists of manage.py arguments")
    return app


def scram_verifier(password, iterations=4096):
    """PostgreSQL's SCRAM-SHA-256 verifier (RFC 5802/7677): the server and PgBouncer keep this, never the password."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda b: base64.b64encode(b).decode()
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def run_as(user, argv, stdin=None, env=None):
    pw = pwd.getpwnam(user)
    r = subprocess.run(argv, input=stdin, env=env, cwd="/", capture_output=True, text=True,
                       user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
    if r.returncode != 0:
        raise BootError(f"{' '.join(argv[:4])} ... as {user} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


def psql(sql, **variables):
    argv = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", PG_SOCKET_DIR, "-p", PG_PORT, "-d", "postgres"]
    for k, v in variables.items():
        argv += ["-v", f"{k}={v}"]
    return run_as(PG_OS_USER, argv, stdin=sql, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})


def wait_for_postgres(timeout_sec=120):
    deadline = time.monotonic() + timeout_sec
    while True:
        try:
            psql("SELECT 1;")
            return
        except (BootError, SecretsError) as e:
            if time.monotonic() > deadline:
                raise BootError(f"PostgreSQL did not answer on {PG_SOCKET_DIR}:{PG_PORT} within {timeout_sec} s: {e}")
            time.sleep(1)


def create_role_and_db(name, verifier):
    """Idempotent: a re-run after a partial failure resets the password and keeps the database."""
    # The verifier goes on stdin (not argv, which other users can read); psql quotes every value itself.
    sql = f"""\\set verifier '{verifier}'
SET log_statement = 'none';
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \\gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'verifier';
SELECT format('CREATE DATABASE %I OWNER %I', :'role', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'role') \\gexec
SELECT rolpassword FROM pg_authid WHERE rolname = :'role';
"""
    stored = [line for line in psql(sql, role=name).splitlines() if line.strip()]
    if not stored or stored[-1] != verifier:
        raise BootError("the role's stored SCRAM verifier is not the one set (password_encryption must be scram-sha-256)")
    return stored[-1]


def write_atomic(path, text, mode, owner, group):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchown(fd, pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid)
        os.fchmod(fd, mode)
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, path)


def env_line(name, value):
    """One systemd EnvironmentFile line; the same text reads back literally in a POSIX shell."""
    if not ENV_NAME.match(name) or "\0" in value:
        raise BootError(f"refusing env {name!r}: bad name or NUL in value")
    esc = "".join("\\" + c if c in '\\"$`' else c for c in value)
    return f'{name}="{esc}"\n'


def manage(app, args, env):
    """`python -m django ARGS` as the app user, importing the app the way gunicorn does (any kind of source)."""
    chdir = APP_DIR or app["chdir"]
    argv = [f"{VENV}/bin/python", "-m", "django", *args]
    r = subprocess.run(argv, cwd=chdir, capture_output=True, text=True, user=pwd.getpwnam(APP_USER).pw_uid,
                       group=pwd.getpwnam(APP_USER).pw_gid, extra_groups=[],
                       env={"PATH": f"{VENV}/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
                            "PYTHONPATH": chdir, **env})
    if r.returncode != 0:
        raise BootError(f"manage.py {' '.join(args[:3])} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


def database_url(name, password, port):
    return f"postgres://{name}:{password}@127.0.0.1:{port}/{name}"


def main():
    if os.path.exists(DONE):
        log(f"{DONE} exists: nothing to do")
        return 0
    boot = load_boot()
    app = load_app()
    name = boot["app"]
    log(f"app {name}, tier {boot.get('tier')}, secrets from {boot['secrets']['source']}")
    # Secrets first: a missing SSM parameter must fail the boot before anything on the box changes.
    fetched = fetch_secrets(boot["secrets"])
    hosts = ",".join(boot["allowedHosts"])
    declared = {k: v for k, v in fetched.items() if k != "KILN_SECRET_KEY"}
    # The names Django projects read through dj-database-url / django-environ, and kiln's own KILN_* beside them.
    app_env = {**boot["env"], **declared, "KILN_SECRET_KEY": fetched["KILN_SECRET_KEY"], "KILN_ALLOWED_HOSTS": hosts,
               "SECRET_KEY": fetched["KILN_SECRET_KEY"], "ALLOWED_HOSTS": hosts, "DJANGO_SETTINGS_MODULE": app["settings"]}
    if "redis" in app["services"]:
        app_env.update({"KILN_REDIS_URL": REDIS_URL, "REDIS_URL": REDIS_URL})
    local_db = "postgres" in app["services"]
    if local_db:
        wait_for_postgres()
        password = secrets.token_urlsafe(32)
        verifier = create_role_and_db(name, scram_verifier(password))
        write_atomic(USERLIST, f'"{name}" "{verifier}"\n', 0o640, "root", PG_OS_USER)
        log(f"role and database {name} ready; {USERLIST} written (verifier only)")
        app_env.update({"KILN_DB_NAME": name, "KILN_DB_USER": name, "KILN_DB_PASSWORD": password, "KILN_DB_HOST": "127.0.0.1",
                        "KILN_DB_PORT": PGBOUNCER_PORT, "DATABASE_URL": database_url(name, password, PGBOUNCER_PORT)})
    elif "DATABASE_URL" not in app_env:
        raise BootError("the image runs no PostgreSQL and no DATABASE_URL secret was given")
    text = "# Written by kiln-firstboot for this instance only. Secrets: never copy into an image.\n"
    text += "".join(env_line(k, v) for k, v in sorted(app_env.items()))
    write_atomic(APP_ENV, text, 0o640, "root", grp.getgrgid(pwd.getpwnam(APP_USER).pw_gid).gr_name)
    log(f"{APP_ENV} written ({len(app_env)} variables)")
    # PgBouncer is not up yet (it starts after this unit): talk to PostgreSQL directly.
    direct = {**app_env, "KILN_DB_PORT": PG_PORT, "DATABASE_URL": database_url(name, password, PG_PORT)} if local_db else app_env
    if boot.get("migrate", True):
        manage(app, ["migrate", "--noinput"], direct)
        log("migrated")
    else:
        log("migrations skipped: this launch's user data leaves them to one explicit step for the fleet")
    for cmd in app.get("bootCommands", []):
        manage(app, cmd, direct)
        log(f"ran manage.py {cmd[0]}")
    os.makedirs(os.path.dirname(DONE), exist_ok=True)
    with open(DONE, "w", encoding="utf-8") as f:
        f.write(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BootError, SecretsError) as e:
        log(f"FAILED: {e}")
        sys.exit(1)
