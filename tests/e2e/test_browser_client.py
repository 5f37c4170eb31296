"""The page's client modules in Chromium: todo-realtime.js against the real gateway, and
the idempotency rules of list-state.js (issue 7)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_list_state_applies_each_change_once_by_position(make_user):
    alice = make_user("alice")
    alice.goto_lists()
    result = alice.page.evaluate(
        """async () => {
          const { ListState } = await import('/static/web/list-state.js');
          const list = {id: 'L', name: 'N', owner_id: '1', position: 3,
                        members: [{id: '1', username: 'alice'}], todos: []};
          const s = new ListState(list, 3);
          const ev = (type, position, data) => ({type, position, data: {list_id: 'L', ...data}});
          const changed = [];
          const apply = (e) => changed.push(s.applyEvent(e));
          apply(ev('TodoCreated', 4, {todo_id: 't', title: 'a'}));
          apply(ev('TodoCreated', 4, {todo_id: 't', title: 'a'}));          // seen twice
          s.putTodo({id: 't', title: 'b', completed: true, position: 6});  // own write answered
          apply(ev('TodoRenamed', 5, {todo_id: 't', title: 'b'}));          // older than the answer
          apply(ev('TodoCompleted', 6, {todo_id: 't'}));                    // the answer's own event
          apply(ev('TodoDeleted', 7, {todo_id: 't'}));
          apply(ev('TodoReopened', 6, {todo_id: 't'}));                     // late: no resurrection
          apply(ev('TodoCreated', 4, {todo_id: 't', title: 'a'}));
          apply(ev('MemberAdded', 8, {user_id: 2}));
          apply(ev('MemberRemoved', 9, {user_id: 2}));
          apply(ev('MemberAdded', 8, {user_id: 2}));                        // stale
          apply(ev('ListRenamed', 2, {name: 'old'}));                       // before the read
          return {changed, todos: s.visibleTodos().length,
                  members: s.visibleMembers().map((m) => m.id), name: s.displayName()};
        }"""
    )
    assert result == {
        "changed": [True, False, False, False, True, False, False, True, True, False, False],
        "todos": 0,
        "members": ["1"],
        "name": "N",
    }


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
