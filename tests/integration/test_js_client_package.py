"""clients/js (the npm package @realtime-todo/client) against a live gateway.

Runs the package's own tests (``node --test``, files in ``clients/js/test/``) against a
stack started here. The Node tests reach the stack through environment variables and a small
control endpoint served by this module: ``POST /kill/gateway`` and ``/start/gateway`` (a
gateway restart), ``POST /publish/<channel>`` (another service's event on the exchange).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.gateway import Publisher, service_envelope
from tests.support.stack import REPO, Stack

pytestmark = pytest.mark.integration

CLIENT = REPO / "clients" / "js"
TOKEN_TTL = 10  # the smallest REALTIME_TOKEN_TTL the configuration accepts


def control_server(stack: Stack) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            action, _, arg = self.path.strip("/").partition("/")
            try:
                if action == "kill" and arg == "gateway":
                    code = stack.kill("gateway", signal.SIGKILL)
                    assert code is not None, "the gateway did not stop"
                elif action == "start" and arg == "gateway":
                    stack.restart("gateway")
                elif action == "publish":
                    publisher = Publisher(stack.exchange)
                    channel = urllib.parse.unquote(arg)
                    envelope = service_envelope(channel, metadata={"source": "js-client-test"})
                    publisher.publish(envelope)
                    publisher.close()
                else:
                    self.send_error(404)
                    return
            except Exception as exc:  # the Node test prints it
                self.send_response(500)
                self.end_headers()
                self.wfile.write(repr(exc).encode())
                return
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def js_env(stack: Stack) -> Iterator[dict[str, str]]:
    assert (CLIENT / "node_modules" / "socket.io-client").is_dir(), "run make js-deps"
    stack.start("api", env={"REALTIME_TOKEN_TTL": str(TOKEN_TTL)})
    stack.start("relay")
    stack.start("gateway")
    server = control_server(stack)
    yield {
        **os.environ,
        "API_URL": stack.url("api"),
        "GATEWAY_URL": stack.url("gateway"),
        "CONTROL_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "TOKEN_TTL": str(TOKEN_TTL),
    }
    server.shutdown()


def run_node_tests(env: dict[str, str], *files: str) -> None:
    result = subprocess.run(
        ["node", "--test", "--test-reporter=spec", *files],
        cwd=CLIENT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "# fail 0" in result.stdout or "fail 0" in result.stdout, result.stdout[-3000:]


def test_client_package_against_a_live_gateway(js_env):
    """Replay and live, gateway restart, token expiry mid-session, revocation, service events."""
    run_node_tests(js_env, "test/client.test.js")


def test_client_package_presence(js_env):
    """Presence (CONTRACT.md §6): needs the gateway's presence support."""
    run_node_tests(js_env, "test/presence.test.js")
