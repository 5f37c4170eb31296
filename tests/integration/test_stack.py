"""The local test stack itself, proven on a minimal process."""

import json
import signal
import urllib.request

import psycopg

from tests.support.stack import PG_ADMIN


def get(url):
    with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310
        return reply.status, reply.read().decode()


def test_start_health_kill_restart_and_logs(stack):
    proc = stack.start("minimal", argv=["{python}", "-m", "tests.support.minimal_process"])
    status, body = get(proc.url + "/healthz")
    first_pid = json.loads(body)["pid"]
    assert status == 200
    assert "minimal_starts_total 1.0" in get(proc.url + "/metrics")[1]

    assert stack.kill("minimal", signal.SIGKILL) == -signal.SIGKILL
    stack.restart("minimal")
    assert json.loads(get(proc.url + "/healthz")[1])["pid"] != first_pid
    assert proc.starts == 2

    assert stack.kill("minimal", signal.SIGTERM) == 0
    log_lines = [line for line in proc.log_text().splitlines() if line.startswith("{")]
    assert log_lines and all(json.loads(line)["service"] == "minimal" for line in log_lines)


def test_each_stack_has_its_own_database_and_names(make_stack):
    one, two = make_stack(), make_stack()
    assert one.database_name != two.database_name
    assert one.exchange != two.exchange and one.projector_queue != two.projector_queue
    with psycopg.connect(one.database_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
    assert {"event_store", "rm_list", "relay_checkpoint"} <= tables  # migrated template


def test_teardown_drops_the_database(databases):
    stack = databases.new_stack()
    stack.teardown()
    with psycopg.connect(PG_ADMIN) as conn:
        names = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
    assert stack.database_name not in names
