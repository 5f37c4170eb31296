"""The API's command handlers against in-memory ports: no database, no HTTP."""

from __future__ import annotations

import pytest
from todo_api.application import access, handlers
from todo_api.application import commands as c
from todo_api.application.errors import ApplicationError
from todo_api.application.ports import ConcurrencyError
from todo_api.application.unit_of_work import MAX_ATTEMPTS

from tests.support.fake_api import RacingRecorder, fake_services

ALICE, BOB, CAROL = c.Actor("1", "corr-a"), c.Actor("2"), c.Actor("3")


@pytest.fixture
def app():
    return fake_services(alice="1", bob="2", carol="3")


class _Refusal:
    def __init__(self, code: str) -> None:
        self.code = code

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        assert isinstance(exc, ApplicationError), f"expected {self.code}, got {exc!r}"
        assert exc.code == self.code, (exc.code, exc.message)
        self.error = exc
        return True


def new_list(app, actor=ALICE, name="Groceries") -> str:
    return handlers.create_list(c.CreateList(actor, name), app.uow).todo_list.list_id


def test_create_list_appends_one_event_and_answers_the_aggregate_after_it(app):
    written = handlers.create_list(c.CreateList(ALICE, "  Groceries "), app.uow)
    lid = written.todo_list.list_id
    (event,) = app.recorder.events
    assert event.type == "ListCreated" and event.stream == f"list-{lid}" and event.version == 1
    assert event.data == {"list_id": lid, "name": "Groceries", "owner_id": "1"}
    assert event.channels == [f"list:{lid}", "user:1"]
    assert event.metadata["actor"] == "1" and event.metadata["source"] == "api"
    assert event.metadata["correlation_id"] == "corr-a"
    assert written.todo_list.name == "Groceries" and written.todo_list.version == 1
    assert written.todo_list.members == ["1"]
    assert (written.position, written.write_position) == (1, 1)
    assert app.access.can_read("1", lid) and not app.access.can_read("2", lid)


def test_a_no_op_rename_appends_nothing_and_answers_the_lists_own_position(app):
    lid = new_list(app)
    new_todo = handlers.create_todo(c.CreateTodo(ALICE, lid, "milk"), app.uow)
    assert new_todo.write_position == 2
    written = handlers.rename_list(c.RenameList(ALICE, lid, "Groceries"), app.uow)
    assert app.recorder.head() == 2
    assert (written.write_position, written.position, written.todo_list.version) == (1, 1, 1)


def test_rename_checks_visibility_ownership_and_if_match(app):
    lid = new_list(app)
    with _Refusal("not_found"):
        handlers.rename_list(c.RenameList(BOB, lid, "mine"), app.uow)
    handlers.add_member(c.AddMember(ALICE, lid, "bob"), app.uow, app.directory)
    with _Refusal("forbidden"):
        handlers.rename_list(c.RenameList(BOB, lid, "mine"), app.uow)
    with _Refusal("version_conflict") as conflict:
        handlers.rename_list(c.RenameList(ALICE, lid, "New", if_match=1), app.uow)
    assert conflict.error.fields == {"version": 2}
    with _Refusal("invalid_input") as bad:
        handlers.rename_list(c.RenameList(ALICE, lid, "x" * 201, if_match=2), app.uow)
    assert set(bad.error.fields) == {"name"}
    written = handlers.rename_list(c.RenameList(ALICE, lid, "New", if_match=2), app.uow)
    assert written.todo_list.name == "New" and written.todo_list.version == 3
    assert [e.type for e in app.recorder.events] == ["ListCreated", "MemberAdded", "ListRenamed"]


def test_a_lost_race_is_retried_on_fresh_state_and_appends_once(app):
    lid = new_list(app)
    recorder: RacingRecorder = app.recorder
    recorder.fail_next.append(ConcurrencyError(f"list-{lid}", 1, 2))
    written = handlers.rename_list(c.RenameList(ALICE, lid, "Again"), app.uow)
    assert recorder.fail_next == []  # the injected race did happen
    assert [e.type for e in recorder.events] == ["ListCreated", "ListRenamed"]
    assert written.write_position == 2


def test_a_stream_that_keeps_moving_is_a_version_conflict(app):
    lid = new_list(app)
    app.recorder.fail_next.extend(
        ConcurrencyError(f"list-{lid}", 1, 7) for _ in range(MAX_ATTEMPTS)
    )
    with _Refusal("version_conflict") as conflict:
        handlers.rename_list(c.RenameList(ALICE, lid, "Again"), app.uow)
    assert conflict.error.fields == {"version": 7}
    assert app.recorder.fail_next == [] and app.recorder.head() == 1


def test_add_member_tells_outsiders_nothing_about_users(app):
    lid = new_list(app)
    with _Refusal("not_found") as outsider:
        handlers.add_member(c.AddMember(BOB, lid, "nobody"), app.uow, app.directory)
    assert outsider.error.message == "no such list" and outsider.error.fields == {}
    with _Refusal("not_found") as owner:
        handlers.add_member(c.AddMember(ALICE, lid, "nobody"), app.uow, app.directory)
    assert owner.error.fields == {"username": "unknown"}
    added = handlers.add_member(c.AddMember(ALICE, lid, "bob"), app.uow, app.directory)
    assert (added.member.id, added.member.username, added.write_position) == ("2", "bob", 2)
    assert app.access.can_read("2", lid)
    with _Refusal("conflict"):
        handlers.add_member(c.AddMember(ALICE, lid, "bob"), app.uow, app.directory)


def test_members_leave_or_are_removed_and_lose_access_at_once(app):
    lid = new_list(app)
    for name in ("bob", "carol"):
        handlers.add_member(c.AddMember(ALICE, lid, name), app.uow, app.directory)
    with _Refusal("not_found"):
        handlers.remove_member(c.RemoveMember(ALICE, lid, "not-a-number"), app.uow)
    with _Refusal("forbidden"):
        handlers.remove_member(c.RemoveMember(BOB, lid, "3"), app.uow)
    left = handlers.remove_member(c.RemoveMember(BOB, lid, "2"), app.uow)
    assert left.todo_list.members == ["1", "3"] and not app.access.can_read("2", lid)
    removed = handlers.remove_member(c.RemoveMember(ALICE, lid, "3", if_match=4), app.uow)
    assert removed.todo_list.members == ["1"] and removed.write_position == 5


def test_todos_change_in_one_command_and_vanish_when_deleted(app):
    lid = new_list(app)
    created = handlers.create_todo(c.CreateTodo(ALICE, lid, "milk"), app.uow)
    tid = created.todo.todo_id
    assert (created.todo.title, created.todo.version, created.position) == ("milk", 1, 2)
    assert created.created_at == created.updated_at is not None
    changed = handlers.change_todo(c.ChangeTodo(ALICE, tid, "oat milk", True), app.uow)
    assert [e.type for e in app.recorder.events[-2:]] == ["TodoRenamed", "TodoCompleted"]
    assert (changed.todo.title, changed.todo.completed, changed.todo.version) == (
        "oat milk",
        True,
        3,
    )
    assert changed.write_position == changed.position == 4
    same = handlers.change_todo(c.ChangeTodo(ALICE, tid, completed=True), app.uow)
    assert app.recorder.head() == 4 and same.write_position == 4
    with _Refusal("version_conflict"):
        handlers.delete_todo(c.DeleteTodo(ALICE, tid, if_match=1), app.uow)
    with _Refusal("not_found"):
        handlers.delete_todo(c.DeleteTodo(BOB, tid), app.uow)
    deleted = handlers.delete_todo(c.DeleteTodo(ALICE, tid, if_match=3), app.uow)
    assert deleted.todo.deleted and deleted.write_position == 5
    with _Refusal("not_found"):
        handlers.change_todo(c.ChangeTodo(ALICE, tid, "again"), app.uow)


def test_a_todo_needs_a_list_the_actor_belongs_to(app):
    lid = new_list(app)
    with _Refusal("not_found"):
        handlers.create_todo(c.CreateTodo(BOB, lid, "sneaky"), app.uow)
    with _Refusal("invalid_input"):
        handlers.create_todo(c.CreateTodo(ALICE, lid, "bell\u0007"), app.uow)
    assert app.recorder.head() == 1


def test_deleting_a_list_names_every_member_and_clears_access(app):
    lid = new_list(app)
    handlers.add_member(c.AddMember(ALICE, lid, "bob"), app.uow, app.directory)
    with _Refusal("forbidden"):
        handlers.delete_list(c.DeleteList(BOB, lid), app.uow)
    deleted = handlers.delete_list(c.DeleteList(ALICE, lid), app.uow)
    event = app.recorder.events[-1]
    assert event.type == "ListDeleted" and event.data["member_ids"] == ["1", "2"]
    assert set(event.channels) == {f"list:{lid}", "user:1", "user:2"}
    assert deleted.todo_list.deleted and app.access.list_ids_of("2") == []


def test_channel_access_follows_the_access_index(app):
    lid = new_list(app)
    assert access.readable_channels(app.access, access.Reader(user_id="1"), None) == [
        "user:1",
        f"list:{lid}",
    ]
    with _Refusal("forbidden"):
        access.readable_channels(app.access, access.Reader(user_id="2"), f"list:{lid}")
    with _Refusal("bad_request"):
        access.readable_channels(app.access, access.Reader(user_id="2"), "list:nope")
    with _Refusal("forbidden"):
        access.issue_realtime_token(app.access, app.recorder, app.tokens, "2", [f"list:{lid}"])
    token = access.issue_realtime_token(
        app.access, app.recorder, app.tokens, "1", [f"list:{lid}", f"list:{lid}", "public:news"]
    )
    assert token["channels"] == [f"list:{lid}", "public:news"] and token["position"] == 1


def test_the_events_page_moves_forward(app):
    lid = new_list(app)
    for title in ("a", "b", "c"):
        handlers.create_todo(c.CreateTodo(ALICE, lid, title), app.uow)
    rows, last = access.events_page(app.recorder, [f"list:{lid}"], 0, 2)
    assert [r.position for r in rows] == [1, 2] and last == 2
    rows, last = access.events_page(app.recorder, [f"list:{lid}"], last, 10)
    assert [r.position for r in rows] == [3, 4] and last == 4
    assert access.events_page(app.recorder, [], 0, 10) == ([], 4)


def test_limit_refusals_become_rate_limited_and_each_call_reaches_its_limit(monkeypatch):
    # The counting is todo_api.limits (database; tests/security/test_rate_limits.py); here:
    # the application layer's routing of calls to limits and its error for a refusal.
    from todo_api.application import rate_limit
    from todo_api.limits import policy

    seen: list[tuple[str, object]] = []

    def refuse_auth(address: str, username: object = None) -> None:
        seen.append(("auth", (address, username)))
        raise policy.RateLimited("slow down", 7)

    monkeypatch.setattr(policy, "check_auth_attempt", refuse_auth)
    monkeypatch.setattr(policy, "check_write", lambda uid: seen.append(("write", uid)))
    monkeypatch.setattr(policy, "check_realtime_token", lambda uid: seen.append(("token", uid)))
    with _Refusal("rate_limited") as limited:
        rate_limit.check_credential_attempt("10.0.0.9", "alice")
    assert limited.error.retry_after == 7
    for method, path in [
        ("GET", "/api/lists"),
        ("HEAD", "/api/lists/x"),
        ("POST", "/api/auth/logout"),
        ("POST", "/api/realtime/token/"),
        ("PATCH", "/api/lists/x/todos/y"),
        ("DELETE", "/api/lists/x"),
    ]:
        rate_limit.check_user_call(method, path, "u1")
    assert seen == [
        ("auth", ("10.0.0.9", "alice")),
        ("token", "u1"),
        ("write", "u1"),
        ("write", "u1"),
    ]
