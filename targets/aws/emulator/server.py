"""The AWS API emulator the tests start: moto's server, plus what moto lacks, added by the `ext_*.py` modules here.

Each extension follows AWS's documented behaviour for its API (state machines, validation), driven by real API
calls, never by canned answers per test. Run: python server.py -H 127.0.0.1 -p PORT (moto_server's arguments).
"""
import importlib
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here))
# Extensions patch moto's response and backend classes; they must load before the server imports its routes.
for ext in sorted(p.stem for p in here.glob("ext_*.py")):
    importlib.import_module(ext)

from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
