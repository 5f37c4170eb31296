"""The page's vendored socket.io-client is exactly the npm-installed one from the lock file.

The page serves ``web/static/web/vendor/socket.io.esm.min.js`` (and the UMD build) and the
realtime client ``clients/js/src`` (committed, so running needs no build step); this proves
they are the files ``npm ci`` installs from package-lock.json and the package's own source, so
an upgrade is: bump the lock, ``npm ci``, ``make web-vendor``, run this test.
"""

from __future__ import annotations

import json

from tests.support.stack import REPO

VENDOR = REPO / "services" / "api" / "todo_api" / "web" / "static" / "web" / "vendor"
PACKAGE = REPO / "node_modules" / "socket.io-client"
FILES = [
    "socket.io.min.js",
    "socket.io.min.js.map",
    "socket.io.esm.min.js",  # what the page's import map names "socket.io-client"
    "socket.io.esm.min.js.map",
]
CLIENT = REPO / "clients" / "js" / "src"


def locked_version() -> str:
    lock = json.loads((REPO / "package-lock.json").read_text())
    return str(lock["packages"]["node_modules/socket.io-client"]["version"])


def test_installed_package_is_the_locked_v4_release():
    assert PACKAGE.is_dir(), "run `npm ci` (make js-deps) to install socket.io-client"
    installed = json.loads((PACKAGE / "package.json").read_text())["version"]
    assert installed == locked_version()
    assert installed.startswith("4.")


def test_vendored_files_are_byte_identical_to_the_installed_package():
    for name in FILES:
        vendored = (VENDOR / name).read_bytes()
        installed = (PACKAGE / "dist" / name).read_bytes()
        assert vendored == installed, f"{name} differs from node_modules: copy it again"
    assert (VENDOR / "socket.io-client.LICENSE").read_bytes() == (PACKAGE / "LICENSE").read_bytes()
    header = (VENDOR / "socket.io.min.js").read_text()[:200]
    assert f"v{locked_version()}" in header


def test_vendored_realtime_client_is_clients_js_byte_for_byte():
    """The page runs the npm package clients/js itself (``make web-vendor`` copies it)."""
    vendored = VENDOR / "realtime-todo-client"
    names = sorted(p.name for p in CLIENT.glob("*.js"))
    assert names and "index.js" in names
    assert sorted(p.name for p in vendored.iterdir()) == names, "run make web-vendor"
    for name in names:
        assert (vendored / name).read_bytes() == (CLIENT / name).read_bytes(), (
            f"{name} differs from clients/js/src: run make web-vendor"
        )
