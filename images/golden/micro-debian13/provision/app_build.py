"""kiln bake step for the app, run by provision.sh with the image's venv Python.

Usage: app_build.py APP_JSON BUILD_ENV_JSON
Imports the app's settings and WSGI callable the way gunicorn will, runs collectstatic when the app has static
files, and links the STATIC_ROOT it filled where nginx serves it. The environment comes from the two JSON files
(the recipe's non-secret env and throwaway values for what the box makes at first boot): nothing here is kept.
"""
import importlib
import json
import os
import sys


def fail(msg):
    print(f"kiln app build: FAILED: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def main(app_json, env_json):
    with open(app_json, encoding="utf-8") as f:
        app = json.load(f)
    with open(env_json, encoding="utf-8") as f:
        env = json.load(f)
    os.environ.update({k: v for k, v in env.items() if isinstance(v, str)})
    os.environ["DJANGO_SETTINGS_MODULE"] = app["settings"]
    sys.path.insert(0, app["chdir"])
    os.chdir(app["chdir"])
    import django
    from django.conf import settings

    try:
        django.setup()
    except Exception as e:  # noqa: BLE001 - any import or configuration error is the app's, named with its settings
        fail(f"importing settings {app['settings']}: {type(e).__name__}: {e}")
    module, _, attr = app["wsgi"].partition(":")
    try:
        if not callable(getattr(importlib.import_module(module), attr)):
            fail(f"{app['wsgi']} is not callable")
    except Exception as e:  # noqa: BLE001
        fail(f"importing the WSGI app {app['wsgi']}: {type(e).__name__}: {e}")
    print(f"kiln app build: {app['settings']} and {app['wsgi']} import", flush=True)
    link = os.environ["KILN_STATIC_LINK"]
    if app["staticUrl"] is None:
        return
    if app["collectstatic"]:
        root = settings.STATIC_ROOT
        if not root:
            fail(f"app.static is on but {app['settings']} sets no STATIC_ROOT: set it, or static: false in the recipe")
        url = "/" + str(settings.STATIC_URL).strip("/") + "/"
        if url.replace("//", "/") != app["staticUrl"]:
            fail(f"{app['settings']} serves static files at STATIC_URL {settings.STATIC_URL!r}, the recipe says {app['staticUrl']!r}: make them agree (recipe app.staticUrl)")
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        root = os.path.abspath(str(root))
    else:
        root = os.path.join(app["chdir"], "static")
    if not os.path.isdir(root):
        fail(f"static dir {root} does not exist after the build")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(root, link)
    count = sum(len(files) for _, _, files in os.walk(root))
    print(f"kiln app build: {count} static files in {root}, served from {link}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: app_build.py APP_JSON BUILD_ENV_JSON")
    main(sys.argv[1], sys.argv[2])
