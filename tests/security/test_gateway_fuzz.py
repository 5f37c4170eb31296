"""Fuzzing the gateway over Socket.IO and raw Engine.IO while a watcher keeps receiving.

A member watches a list that a writer keeps adding todos to, for the whole module. Around
it: random and malformed payloads for every event (python-socketio client, hypothesis),
hand-made and random Engine.IO/Socket.IO frames (wrong types, broken JSON, binary where
text is expected, unknown namespaces, oversized and deeply nested frames), thousands of
subscribe calls, thousands of connections opened and dropped, and the per-user connection
cap. The last test checks that the watcher got every todo, that the gateway is healthy,
and that its memory came back near its baseline; the figures go to
var/security-figures.json (quoted in the README).
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import socketio
import websocket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.fuzz_support import RawPolling, RawSocket, Watcher, record_figures, rss_kib
from tests.support.api import ApiClient
from tests.support.gateway import GatewayClient, metrics, wait_for
from tests.support.stack import Stack

pytestmark = pytest.mark.integration

ACK_CODES = {"bad_request", "forbidden", "token_expired", "rate_limited", "unavailable"}
PER_USER = 3
POLLING_CHURN = 600
FIGURES: dict[str, Any] = {
    "frames_sent": 0,
    "payloads_sent": 0,
    "server_closes": 0,
    "polling_gone_without_close": 0,
}


@pytest.fixture(scope="module")
def gw(module_stack: Stack) -> Iterator[dict[str, Any]]:
    module_stack.start("api", env={"RATE_LIMIT_WRITES": "0", "RATE_LIMIT_AUTH": "0"})
    module_stack.start("relay")
    module_stack.start("gateway", env={"GATEWAY_MAX_CONNECTIONS_PER_USER": str(PER_USER)})
    url = module_stack.url("gateway")
    owner = ApiClient(module_stack.url("api"))
    list_id = owner.create_list("watched")["id"]
    client = GatewayClient(owner.realtime_token([f"list:{list_id}"])).connect(url)
    assert client.subscribe(f"list:{list_id}")["ok"]
    watcher = Watcher(owner, list_id, client)
    watcher.start()
    wait_for(lambda: watcher.delivered(), what="the watcher's first delivery")
    pid = module_stack.procs["gateway"].popen.pid  # type: ignore[union-attr]
    yield {"url": url, "owner": owner, "watcher": watcher, "pid": pid,
           "baseline_kib": rss_kib(pid), "stack": module_stack}  # fmt: skip
    watcher.stop()
    client.close()


def check_ack(ack: Any) -> str:
    """An ack of §5: ``{ok: true, channel, position}`` or ``{ok: false, error}``."""
    assert isinstance(ack, dict), ack
    if ack.get("ok") is True:
        assert set(ack) <= {"ok", "channel", "position"}, ack
        return "ok"
    assert ack.get("ok") is False and set(ack) == {"ok", "error"}, ack
    assert ack["error"]["code"] in ACK_CODES and isinstance(ack["error"]["message"], str), ack
    return str(ack["error"]["code"])


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=15,
)
FIELD = (
    JSON
    | st.binary(max_size=100)
    | st.sampled_from(
        [
            "list:not-a-uuid",
            "public:" + "a" * 65,
            "public:ok",
            "user:",
            "public:\u0000",
            "\ud800",
            -1,
            2**70,
        ]
    )
)
PAYLOAD = (
    JSON
    | st.binary(max_size=200)
    | st.fixed_dictionaries({}, optional={"channel": FIELD, "since": FIELD, "token": FIELD})
)  # fmt: skip


class Fuzzer:
    """A python-socketio connection, replaced when the per-connection bucket runs dry."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client: GatewayClient | None = None
        self.calls = 0

    def sio(self) -> socketio.Client:
        if self.client is None or self.calls % 40 == 0:
            if self.client is not None:
                self.client.close()
            self.client = GatewayClient().connect(self.url)
        self.calls += 1
        return self.client.sio


@given(event=st.sampled_from(["subscribe", "unsubscribe"]), payload=PAYLOAD)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def fuzz_acked(fuzzer: Fuzzer, event: str, payload: Any) -> None:
    FIGURES["payloads_sent"] += 1
    ack = fuzzer.sio().call(event, payload, timeout=60)
    code = check_ack(ack)
    if event == "subscribe" and not (
        isinstance(payload, dict) and payload.get("channel") == "public:ok"
    ):
        assert code != "ok" or str(payload.get("channel", "")).startswith("public:"), (payload, ack)


def test_random_payloads_for_every_event(gw: dict[str, Any]) -> None:
    fuzzer = Fuzzer(gw["url"])
    fuzz_acked(fuzzer)
    sio = fuzzer.sio()
    rng = random.Random(16)
    for n in range(200):  # unknown events, server-side event names, several arguments
        event = rng.choice(
            ["nope", "event", "presence", "disconnecting", "unsubscribed", "x" * 300]
        )
        sio.emit(event, rng.choice([None, 1, "s", [1, 2], {"a": [None]}, b"\x00\xff"]))
        FIGURES["payloads_sent"] += 1
        if n % 40 == 0:
            sio = fuzzer.sio()
    for event in ("subscribe", "unsubscribe"):  # several arguments, none
        for args in ((), ({"channel": "public:a"}, {"channel": "public:b"}), (None, None, None)):
            ack = fuzzer.sio().call(event, args, timeout=60)
            FIGURES["payloads_sent"] += 1
            check_ack(ack)
    assert fuzzer.sio().call("subscribe", {"channel": "public:still-fine"}, timeout=60)["ok"]


def malformed_frames(rng: random.Random) -> list[str | bytes]:
    frames: list[str | bytes] = [
        "", "x", "9", "4", "42", "42[", '42["subscribe"', '42["subscribe",', "42[1,2,3]", "42{}",
        '42"str"', "42[null]", '42[["subscribe"]]', '421["subscribe",{"channel":1}]',
        '4299999999999999999999999["subscribe",{}]', '43["x"]', "431[]", "44{}", "44",
        '40/admin,', '42/admin,["subscribe",{"channel":"public:a"}]', '40/admin,{"token":1}',
        '45-["subscribe",{"_placeholder":true,"num":0}]',
        '451-["subscribe",{"_placeholder":true,"num":7}]', b"\x00\x01\x02binary",
        '42["subscribe",{"channel":"\\ud800"}]', '42["subscribe",{"since":1e999}]',
        '42["subscribe",' + "[" * 5000 + "]" * 5000 + "]", "2probe", "3", "5", "6", "8",
        '42["subscribe",{"channel":"public:' + "a" * 70_000 + '"}]',  # over the 64 KiB cap
        b'42["subscribe",{"channel":"public:bin"}]', "42" + "\uffff" * 100, "4\x00\x00",
    ]  # fmt: skip
    alphabet = '0123456789[]{}",:/-_abcnul\\ \x00\u00e9'
    for _ in range(400):
        prefix = rng.choice(["", "4", "40", "41", "42", "43", "45", "2", "3", "6"])
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        frames.append(prefix + body if rng.random() < 0.9 else (prefix + body).encode())
    return frames


def test_malformed_engine_io_frames(gw: dict[str, Any]) -> None:
    rng = random.Random(5)
    sock = RawSocket(gw["url"])
    for frame in malformed_frames(rng):
        try:
            if isinstance(frame, bytes):
                sock.ws.send_binary(frame)
            else:
                sock.ws.send(frame)
            FIGURES["frames_sent"] += 1
            sock.drain(0.02)
        except (websocket.WebSocketException, OSError):
            FIGURES["server_closes"] += 1  # the server may close a connection that misbehaves
            sock.close()
            sock = RawSocket(gw["url"])
    sock.close()
    # Unknown namespaces through the official client are refused, not served.
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(gw["url"], namespaces=["/admin"], transports=["websocket"], wait_timeout=30)
    client.disconnect()
    assert metrics(gw["url"])["gateway_connections"] >= 1  # the watcher is still there


def test_thousands_of_subscribes_are_rate_limited(gw: dict[str, Any]) -> None:
    client = GatewayClient().connect(gw["url"])
    acks: list[Any] = []
    done = threading.Event()
    total = 3000

    def on_ack(ack: Any) -> None:
        acks.append(ack)
        if len(acks) == total:
            done.set()

    started = time.monotonic()
    for n in range(total):
        client.sio.emit("subscribe", {"channel": f"public:flood{n}"}, callback=on_ack)
    assert done.wait(120), f"{len(acks)} of {total} acks"
    elapsed = time.monotonic() - started
    codes = Counter(check_ack(ack) for ack in acks)
    # burst 50, refilled at 10/s: everything beyond that is rate_limited
    assert codes["ok"] <= 50 + 10 * elapsed + 1, codes
    assert codes["rate_limited"] >= total - (50 + 10 * elapsed + 1), codes
    assert set(codes) <= {"ok", "rate_limited"}, codes
    client.close()
    FIGURES["subscribe_flood"] = {"calls": total, **codes}


def test_per_user_connection_cap(gw: dict[str, Any]) -> None:
    user = ApiClient(gw["stack"].url("api"))
    token = user.realtime_token([f"user:{user.user_id}"])
    held = [GatewayClient(token).connect(gw["url"]) for _ in range(PER_USER)]
    errors: list[Any] = []
    extra = socketio.Client(reconnection=False)
    extra.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        extra.connect(gw["url"], auth={"token": token}, transports=["websocket"], wait_timeout=30)
    wait_for(lambda: errors, what="connect_error")
    assert errors[0] == {
        "message": "too_many_connections",
        "data": {"code": "too_many_connections"},
    }
    other = ApiClient(gw["stack"].url("api"))  # someone else is not affected
    GatewayClient(other.realtime_token([f"user:{other.user_id}"])).connect(gw["url"]).close()
    held.pop().close()

    def reconnects() -> bool:
        try:
            held.append(GatewayClient(token).connect(gw["url"]))
            return True
        except socketio.exceptions.ConnectionError:
            return False

    wait_for(reconnects, what="a slot after one connection closed")
    for client in held:
        client.close()


def churn(url: str, count: int, transport: str = "websocket", threads: int = 6) -> int:
    """Open ``count`` connections and drop them: 80% join ``/``, 30% subscribe; websockets
    half without a close frame, polling sessions 30% of the joined ones just go."""
    done = Counter[str]()
    lock = threading.Lock()

    def work(share: int, seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(share):
            join = rng.random() < 0.8
            subscribe = join and rng.random() < 0.3
            if transport == "websocket":
                sock = RawSocket(url, join=join)
                if subscribe:
                    sock.ws.send(SUBSCRIBE_CHURN)
                sock.close(abrupt=rng.random() < 0.5)
            else:
                session = RawPolling(url, join=join)
                if subscribe:
                    session.send(SUBSCRIBE_CHURN)
                gone = join and rng.random() < 0.3  # found by the ping timeout, 45 s later
                session.close(abrupt=gone)
                done["gone"] += gone
            with lock:
                done["ok"] += 1

    workers = [threading.Thread(target=work, args=(count // threads, i)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(300)
    FIGURES["polling_gone_without_close"] += done["gone"]
    return done["ok"]


SUBSCRIBE_CHURN = '42["subscribe",{"channel":"public:churn"}]'


def sockets_freed(url: str) -> None:
    """Regression (#16 churn memory): a closed engine.io socket is freed at once. Before
    adapters/engine_sockets/, engine.io's ping task held each one for the ping interval
    (25 s): 1,500 sockets closed a moment ago were all still alive here."""

    def freed() -> bool:
        now = metrics(url)
        return now["gateway_engineio_sockets_alive"] <= now["gateway_connections"] + 10

    wait_for(freed, timeout=15, what="closed engine.io sockets to be freed (not 25 s later)")


def test_polling_connections_opened_and_dropped(gw: dict[str, Any]) -> None:
    """Long-polling sessions too; the ones that just went are closed by the ping timeout
    while the tests below run (the last test waits for them)."""
    before = gw["connections_before_polling"] = metrics(gw["url"])["gateway_connections"]
    assert churn(gw["url"], POLLING_CHURN, transport="polling") == POLLING_CHURN
    gone = FIGURES["polling_gone_without_close"]
    wait_for(
        lambda: metrics(gw["url"])["gateway_connections"] <= before + gone,
        timeout=60,
        what="the closed polling sessions to be forgotten",
    )
    sockets_freed(gw["url"])
    FIGURES["polling_churned"] = POLLING_CHURN


def test_thousands_of_connections_opened_and_dropped(gw: dict[str, Any]) -> None:
    baseline_connections = metrics(gw["url"])["gateway_connections"]
    rounds = []
    for _ in range(2):  # two rounds, to see whether memory levels off (figures recorded)
        assert churn(gw["url"], 1500) == 1500
        wait_for(
            lambda: metrics(gw["url"])["gateway_connections"] <= baseline_connections,
            timeout=120,
            what="the dropped connections to be forgotten",
        )
        sockets_freed(gw["url"])
        rounds.append(rss_kib(gw["pid"]))
    FIGURES["connections_churned"] = 3000
    FIGURES["rss_after_round_kib"] = rounds


def test_zz_watcher_kept_receiving_and_memory_came_back(gw: dict[str, Any]) -> None:
    watcher: Watcher = gw["watcher"]
    watcher.stop()
    assert not watcher.errors, watcher.errors
    wait_for(lambda: len(watcher.delivered()) == len(watcher.sent), what="every watched todo")
    latencies = sorted(watcher.delivered().values())
    wait_for(  # the polling sessions that just went: closed by the ping timeout (45 s)
        lambda: metrics(gw["url"])["gateway_connections"] <= gw["connections_before_polling"],
        timeout=120,
        what="the abandoned polling sessions to time out",
    )
    sockets_freed(gw["url"])
    time.sleep(2)
    after = rss_kib(gw["pid"])
    health = gw["stack"].procs["gateway"]
    assert health.popen.poll() is None, "the gateway exited"  # type: ignore[union-attr]
    gw["stack"].wait_healthy("gateway", timeout=30)
    FIGURES.update(
        watched_todos=len(latencies),
        watcher_latency_p50_ms=round(statistics.median(latencies) * 1000),
        watcher_latency_max_ms=round(latencies[-1] * 1000),
        rss_baseline_kib=gw["baseline_kib"],
        rss_after_kib=after,
    )
    record_figures("gateway_fuzz", FIGURES)
    # Every line JSON, none with a traceback: garbage is dropped quietly (regression).
    lines = gw["stack"].procs["gateway"].log_text().splitlines()
    assert all(line.startswith(("{", "--- start")) for line in lines), [
        line for line in lines if not line.startswith(("{", "--- start"))
    ][:5]
    tracebacks = [line for line in lines if "Traceback" in line]
    assert not tracebacks, tracebacks[:2]
    # Near the baseline (#16): measured +7 MB after the whole module (3,600 churned
    # connections, hypothesis payloads, frames) with closed sockets freed at once; +24 MB,
    # growing with every round, while engine.io held each closed socket for 25 s.
    assert after - gw["baseline_kib"] < 16 * 1024, FIGURES
