"""The Todo aggregate: members edit the list's todos; a deleted todo cannot change."""

import pytest
from todo_api.domain.errors import InvalidInput, NotFound
from todo_api.domain.todo import Todo
from todo_api.domain.todo_list import TodoList

LIST_ID = "3f1c9e0a-6f2d-4a55-9d47-0c1b5b1f8a11"
TODO_ID = "9b0e7d55-1c4b-4b8e-8f55-5b7f0e2d1c22"


def a_list() -> TodoList:
    return TodoList.replay(
        LIST_ID,
        [
            ("ListCreated", {"list_id": LIST_ID, "name": "Home", "owner_id": "1"}),
            ("MemberAdded", {"list_id": LIST_ID, "user_id": "2"}),
        ],
    )


def a_todo(*more: tuple[str, dict]) -> Todo:
    base = {"todo_id": TODO_ID, "list_id": LIST_ID}
    history = [("TodoCreated", {**base, "title": "milk"}), *[(t, {**base, **d}) for t, d in more]]
    return Todo.replay(TODO_ID, history)


def test_a_member_creates_a_todo():
    [event] = Todo(TODO_ID).create("2", a_list(), " buy milk ")
    assert (event.type, event.stream, event.version) == ("TodoCreated", f"todo-{TODO_ID}", 1)
    assert event.data == {"todo_id": TODO_ID, "list_id": LIST_ID, "title": "buy milk"}


def test_a_stranger_cannot_create_or_change():
    with pytest.raises(NotFound):
        Todo(TODO_ID).create("9", a_list(), "x")
    with pytest.raises(NotFound):
        a_todo().change("9", a_list(), completed=True)


def test_change_renames_and_completes_in_order():
    events = a_todo().change("2", a_list(), title="oat milk", completed=True)
    assert [(e.type, e.version) for e in events] == [("TodoRenamed", 2), ("TodoCompleted", 3)]
    assert events[0].data["title"] == "oat milk"


def test_asking_for_the_current_state_appends_nothing():
    assert a_todo().change("1", a_list(), title="milk", completed=False) == []


def test_reopen_after_complete():
    todo = a_todo(("TodoCompleted", {}))
    assert todo.completed
    assert [e.type for e in todo.change("1", a_list(), completed=False)] == ["TodoReopened"]


def test_no_completing_a_deleted_todo():
    todo = a_todo(("TodoDeleted", {}))
    with pytest.raises(NotFound):
        todo.change("1", a_list(), completed=True)
    with pytest.raises(NotFound):
        todo.delete("1", a_list())


def test_a_removed_member_cannot_edit():
    todo_list = a_list()
    todo_list.apply("MemberRemoved", {"list_id": LIST_ID, "user_id": "2"})
    with pytest.raises(NotFound):
        a_todo().delete("2", todo_list)


def test_bad_title():
    with pytest.raises(InvalidInput):
        a_todo().change("1", a_list(), title="\x07bell")
