"""The page's realtime client in Chromium: todo-realtime.js against the real gateway.

(list-state.js, a pure module, is unit-tested under node: tests/unit/js/.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_realtime_client_delivers_once_in_order_across_reconnects(make_user):
    alice = make_user("alice")
    alice.goto_lists()
    page = alice.page
    page.evaluate(
        """async () => {
          const { connect } = await import('/static/web/todo-realtime.js');
          const { api, realtimeToken } = await import('/static/web/api.js');
          const cfg = JSON.parse(document.getElementById('page-config').textContent);
          const { data: list } = await api('POST', '/api/lists', {name: 'probe'});
          window.probe = {list, seen: [], states: [], api};
          const rt = connect(cfg.gatewayUrl, {getToken: realtimeToken});
          rt.onStatus((s) => window.probe.states.push(s));
          rt.subscribe('list:' + list.id, (e) => window.probe.seen.push(e.position), {since: 0});
          window.probe.rt = rt;
        }"""
    )
    page.wait_for_function("window.probe.rt.status === 'live' && window.probe.seen.length >= 1")
    page.evaluate(
        """async () => {
          const {api, list} = window.probe;
          for (const title of ['one', 'two']) await api('POST', `/api/lists/${list.id}/todos`, {title});
          window.probe.rt.socket.io.engine.close();   // the transport drops; socket.io reconnects
          for (const title of ['three', 'four']) await api('POST', `/api/lists/${list.id}/todos`, {title});
        }"""
    )
    page.wait_for_function("window.probe.seen.length >= 5", timeout=10_000)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    page.wait_for_function("window.probe.rt.status === 'live'")
    # Feeding an event again (as a duplicate delivery would) changes nothing.
    page.evaluate(
        """() => {
          const handler = window.probe.rt.socket.listeners('event')[0];
          const list = window.probe.list;
          handler({type: 'TodoCreated', position: window.probe.seen[1],
                   channels: ['list:' + list.id], data: {list_id: list.id}});
        }"""
    )
    probe = page.evaluate("({seen: window.probe.seen, states: window.probe.states})")
    seen = probe["seen"]
    assert len(seen) == 5 and seen == sorted(set(seen)), seen
    assert "reconnecting" in probe["states"] and probe["states"][-1] == "live", probe["states"]
