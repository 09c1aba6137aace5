# --- kiln: configuration from the environment -------------------------------------------
# As Wagtail's deployment tutorial does for production.py (docs/deployment/flyio.md,
# "Customize your site to use Fly.io"): the database from DATABASE_URL via dj-database-url,
# SECRET_KEY and ALLOWED_HOSTS from the environment, TLS detected from the proxy's header.
# Changed from the tutorial: ALLOWED_HOSTS instead of DJANGO_ALLOWED_HOSTS (the name the
# image sets); no SECURE_SSL_REDIRECT and no WhiteNoise (kiln's nginx serves plain HTTP and
# the static files); server-side cursors off, as Django's docs require behind PgBouncer in
# transaction pooling mode (dj-database-url's disable_server_side_cursors).
import os

import dj_database_url

DATABASES = {
    "default": dj_database_url.config(
        conn_max_age=600,
        conn_health_checks=True,
        disable_server_side_cursors=True,
    )
}

# Wagtail's search docs (topics/search/backends.md, "Database backend (default)"): on PostgreSQL
# add django.contrib.postgres to INSTALLED_APPS; Django >= 6.0 enforces it (check postgres.E005).
if DATABASES["default"].get("ENGINE") == "django.db.backends.postgresql":
    INSTALLED_APPS.append("django.contrib.postgres")

SECRET_KEY = os.environ["SECRET_KEY"]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

ALLOWED_HOSTS = os.getenv("ALLOWED_HOSTS", "*").split(",")

CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Redis as the cache, as Wagtail's performance docs recommend (docs/advanced_topics/performance.md).
if os.getenv("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": os.getenv("DJANGO_LOG_LEVEL", "INFO")}},
}
# --- end kiln ------------------------------------------------------------------------------

