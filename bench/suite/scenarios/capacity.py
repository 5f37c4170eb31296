"""7. Capacity inputs for docs/scaling.md: 1, 2 and 3 gateways behind nginx (all on the server
core, so this shows the balancer's cost and the per-core ceiling, not a scale-out gain), and
the store's append path alone (EventRecorder.append from threads, no HTTP)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

from bench.suite.context import AMQP_URL, GATEWAY_ENV, PYTHON, Context, start_pinned
from bench.suite.procs import BENCH, NodeLoad, start_server, stop, wait_http
from bench.suite.report import row
from bench.suite.runner import Rounds, measure
from tests.support.stack import REPO, TEST_REALTIME_SECRET, TEST_SECRET_KEY, free_port

NGINX_CONF = """worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 20000; }}
http {{
  access_log off;
  upstream gateways {{ {servers} }}
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://gateways;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 3600s;
    }}
  }}
}}
"""


def _behind_nginx(ctx: Context, count: int, clients: int, duration: int) -> dict[str, Any]:
    stack = ctx.factory.new_stack()
    nginx = None
    try:
        pids = {start_pinned(stack, f"gateway#{i}", GATEWAY_ENV) for i in range(count)}
        port = free_port()
        conf_dir = ctx.log_dir / f"nginx-{count}"
        conf_dir.mkdir(parents=True, exist_ok=True)
        servers = " ".join(
            f"server 127.0.0.1:{stack.procs[f'gateway#{i}'].port};" for i in range(count)
        )
        (conf_dir / "nginx.conf").write_text(
            NGINX_CONF.format(dir=conf_dir.resolve(), servers=servers, port=port)
        )
        nginx = start_server(
            [
                shutil.which("nginx") or "nginx",
                "-g",
                "daemon off;",
                "-c",
                str((conf_dir / "nginx.conf").resolve()),
            ],
            {},
            conf_dir / "nginx.log",
        )
        wait_http(f"http://127.0.0.1:{port}/healthz")
        load = NodeLoad(
            "ws_clients.js",
            {
                "urls": [f"ws://127.0.0.1:{port}"],
                "clients": clients,
                "channel": "public:bench",
                "protocol": "socketio",
                "amqp": {"url": AMQP_URL, "exchange": stack.exchange},
            },
        )
        try:
            command = {"mode": "saturate", "inflight": 20, "durationS": duration, "warmupS": 2}
            return measure(
                lambda: load.send(command),
                ctx.settings,
                {"server": pids | {nginx.pid}, "loadgen": {load.pid}},
                f"capacity {count} gateways",
            )
        finally:
            load.close()
    finally:
        stop(nginx)
        stack.teardown()


def _append_alone(ctx: Context, threads: int, duration: int) -> dict[str, Any]:
    url, name = ctx.factory.new_database()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REALTIME_SECRET": TEST_REALTIME_SECRET,
        "SECRET_KEY": TEST_SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "todo_api.settings",
        "PYTHONPATH": f"{REPO}:{REPO / 'services' / 'api'}",
    }
    try:

        def once() -> dict[str, Any]:
            out = subprocess.run(
                [
                    "taskset",
                    "-c",
                    "0",
                    PYTHON,
                    str(BENCH / "suite" / "append_probe.py"),
                    str(threads),
                    str(duration),
                ],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            return dict(json.loads(out.stdout.strip().splitlines()[-1]))

        return measure(once, ctx.settings, label=f"append path {threads} threads")
    finally:
        from tests.support.stack import drop_database

        drop_database(name)


def run(ctx: Context) -> list[dict[str, Any]]:
    clients = ctx.pick(200, 1000)
    duration = ctx.pick(3, 8)
    rows = []
    if shutil.which("nginx"):
        rounds = Rounds()
        for count in (1, 2, 3):
            rounds.add(f"{count}", _behind_nginx(ctx, count, clients, duration))
        for count in (1, 2, 3):
            rows.append(
                row(
                    "capacity",
                    f"{count} gateway(s) behind nginx, {clients:,} clients, one core",
                    "deliveries/s",
                    "/s",
                    "higher",
                    rounds,
                    lambda x: x["deliveries_per_s"],
                    system=str(count),
                )
            )
    else:
        ctx.notes.append(
            "capacity: nginx is not installed (make bench-deps installs it); gateways behind nginx not measured"
        )
    appends = Rounds()
    for threads in (1, 4, 16):
        appends.add(str(threads), _append_alone(ctx, threads, duration))
    for threads in (1, 4, 16):
        rows.append(
            row(
                "capacity",
                f"store append path alone, {threads} thread(s)",
                "appends/s",
                "/s",
                "higher",
                appends,
                lambda x: x["appends_per_s"],
                system=str(threads),
            )
        )
    return rows
