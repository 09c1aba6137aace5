"""Canary settings: everything comes from the environment the first-boot unit writes (/etc/kiln/app.env)."""
import os

env = os.environ.get
SECRET_KEY = env("KILN_SECRET_KEY", "")
if not SECRET_KEY:
    raise RuntimeError("KILN_SECRET_KEY is not set: the first-boot unit writes it into /etc/kiln/app.env")
DEBUG = False
ALLOWED_HOSTS = [h for h in env("KILN_ALLOWED_HOSTS", "*").split(",") if h]
INSTALLED_APPS = ["kiln_canary"]
# As in any Django project: CommonMiddleware checks the Host against ALLOWED_HOSTS on every request.
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
# As a project behind a balancer that terminates TLS sets it: the image's nginx forwards the balancer's scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ROOT_URLCONF = "kiln_canary.urls"
WSGI_APPLICATION = "kiln_canary.wsgi.application"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env("KILN_DB_NAME", "canary"),
        "USER": env("KILN_DB_USER", "canary"),
        "PASSWORD": env("KILN_DB_PASSWORD", ""),
        "HOST": env("KILN_DB_HOST", "127.0.0.1"),
        "PORT": env("KILN_DB_PORT", "6432"),
        # Persistent connections through PgBouncer: a new Postgres backend per request costs more than any memory knob.
        "CONN_MAX_AGE": int(env("KILN_DB_CONN_MAX_AGE", "600")),
        "CONN_HEALTH_CHECKS": True,
        # PgBouncer in transaction mode cannot keep server-side cursors across statements.
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("KILN_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "TIMEOUT": 300,
    }
}
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
