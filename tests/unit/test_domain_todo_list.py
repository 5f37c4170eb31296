"""The TodoList aggregate: who may do what, decided without I/O."""

import pytest
from todo_api.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from todo_api.domain.todo_list import TodoList

LIST_ID = "3f1c9e0a-6f2d-4a55-9d47-0c1b5b1f8a11"


def created(owner: str = "1", *members: str) -> TodoList:
    history = [("ListCreated", {"list_id": LIST_ID, "name": "Home", "owner_id": owner})]
    history += [("MemberAdded", {"list_id": LIST_ID, "user_id": m}) for m in members]
    return TodoList.replay(LIST_ID, history)


def test_create_records_list_created_with_trimmed_name():
    [event] = TodoList(LIST_ID).create("7", "  Groceries  ")
    assert event.type == "ListCreated"
    assert event.stream == f"list-{LIST_ID}"
    assert event.version == 1
    assert event.data == {"list_id": LIST_ID, "name": "Groceries", "owner_id": "7"}


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "a\x00b", "tab\there", 5, None])
def test_bad_names_are_refused(name):
    with pytest.raises(InvalidInput):
        TodoList(LIST_ID).create("7", name)


def test_replay_tracks_members_and_version():
    todo_list = created("1", "2", "3")
    assert todo_list.members == ["1", "2", "3"]
    assert todo_list.version == 3
    todo_list.apply("MemberRemoved", {"list_id": LIST_ID, "user_id": "2"})
    assert todo_list.members == ["1", "3"]


def test_only_the_owner_renames_deletes_and_adds():
    todo_list = created("1", "2")
    for action in (
        lambda: todo_list.rename("2", "New"),
        lambda: todo_list.delete("2"),
        lambda: todo_list.add_member("2", "3"),
    ):
        with pytest.raises(Forbidden):
            action()
    assert todo_list.rename("1", "New")[0].data["name"] == "New"


def test_renaming_to_the_same_name_appends_nothing():
    assert created().rename("1", " Home ") == []


def test_strangers_do_not_see_the_list():
    with pytest.raises(NotFound):
        created("1").rename("9", "x")


def test_delete_names_every_member():
    [event] = created("1", "2", "3").delete("1")
    assert event.type == "ListDeleted"
    assert event.data["member_ids"] == ["1", "2", "3"]
    assert event.version == 4


def test_adding_a_member_twice_conflicts():
    with pytest.raises(Conflict):
        created("1", "2").add_member("1", "2")


def test_member_may_leave_but_not_remove_others():
    todo_list = created("1", "2", "3")
    assert todo_list.remove_member("2", "2")[0].data == {"list_id": LIST_ID, "user_id": "2"}
    with pytest.raises(Forbidden):
        todo_list.remove_member("2", "3")


def test_owner_removes_anyone_but_themselves():
    todo_list = created("1", "2")
    assert todo_list.remove_member("1", "2")[0].type == "MemberRemoved"
    with pytest.raises(Forbidden):
        todo_list.remove_member("1", "1")


def test_deleted_list_is_gone():
    todo_list = created("1")
    todo_list.apply("ListDeleted", {"list_id": LIST_ID, "member_ids": ["1"]})
    with pytest.raises(NotFound):
        todo_list.rename("1", "again")
