"""kiln's settings shim for pretix: maps the environment a kiln image gives every app onto pretix's own
configuration variables, then loads pretix's settings unchanged.

pretix reads its configuration from pretix.cfg or from PRETIX_<SECTION>_<OPTION> environment variables
(docs.pretix.eu, "Configuration file"), not from DATABASE_URL / SECRET_KEY / REDIS_URL. Anything already
set explicitly (PRETIX_* in the environment or in a pretix.cfg) wins: this only fills gaps.
"""
import os
from urllib.parse import unquote, urlsplit


def _default(name: str, value) -> None:
    if value not in (None, "") and name not in os.environ:
        os.environ[name] = str(value)


_db = urlsplit(os.environ["DATABASE_URL"])
if _db.scheme not in ("postgres", "postgresql"):
    raise RuntimeError(f"kiln_pretix_settings: DATABASE_URL scheme {_db.scheme!r} is not postgres")
_default("PRETIX_DATABASE_BACKEND", "postgresql")
_default("PRETIX_DATABASE_NAME", unquote(_db.path.lstrip("/")))
_default("PRETIX_DATABASE_USER", unquote(_db.username or ""))
_default("PRETIX_DATABASE_PASSWORD", unquote(_db.password or ""))
_default("PRETIX_DATABASE_HOST", _db.hostname)
_default("PRETIX_DATABASE_PORT", _db.port)
# PgBouncer in transaction pooling mode cannot keep server-side cursors across statements.
_default("PRETIX_DATABASE_DISABLE_SERVER_SIDE_CURSORS", "true")

_default("PRETIX_DJANGO_SECRET", os.environ.get("SECRET_KEY"))
if os.environ.get("REDIS_URL"):
    _default("PRETIX_REDIS_LOCATION", os.environ["REDIS_URL"])
    # Sessions in Redis too, as pretix's docs recommend once Redis is configured.
    _default("PRETIX_REDIS_SESSIONS", "true")

# pretix answers only for the host of its base URL (its multidomain middleware rejects others with 400).
# Without PRETIX_PRETIX_URL, take the first named host of ALLOWED_HOSTS, else 127.0.0.1.
_hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip() and "*" not in h]
_default("PRETIX_PRETIX_URL", "http://" + (_hosts[0].lstrip(".") if _hosts else "127.0.0.1"))

# pretix guards every query on its tenant models with django-scopes; Django's loaddata (kiln's seed, run as
# `loaddata demo.json`) knows nothing of scopes, so for that command only they are switched off, as pretix's
# own maintenance commands do with scopes_disabled().
import sys  # noqa: E402

if len(sys.argv) > 1 and sys.argv[1] == "loaddata":
    from django_scopes.state import state as _scopes_state

    _scopes_state.set({"_enabled": False})

from pretix.settings import *  # noqa: E402,F401,F403

# The demo fixture of kiln's seed ships in the same wheel, beside this module.
FIXTURE_DIRS = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "kiln_pretix_fixtures")]
