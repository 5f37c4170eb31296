"""Request and response schemas (pydantic, via django-ninja): the OpenAPI document's source.

Requests are strict: unknown fields, wrong types and missing fields are ``invalid_input``
(``fields`` names each). The 1-200 character rule for names and titles is the domain's;
the schemas only cap what is worth parsing.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

Text = Annotated[StrictStr, Field(max_length=1000)]


def _no_nul(value: str) -> str:
    # A username is looked up in PostgreSQL, whose text cannot hold NUL: without this, a
    # login with one was a 503 (found by the schemathesis fuzz).
    if "\x00" in value:
        raise ValueError("must not contain NUL (U+0000)")
    return value


Username = Annotated[StrictStr, Field(max_length=150), AfterValidator(_no_nul)]
Password = Annotated[StrictStr, Field(max_length=512)]


class Request(Schema):
    model_config = ConfigDict(extra="forbid")


class Credentials(Request):
    username: Username
    password: Password


class NameIn(Request):
    name: Text


class TitleIn(Request):
    title: Text


class TodoChangeIn(Request):
    """At least one of ``title`` and ``completed``; ``null`` is not a value."""

    title: Text | None = None
    completed: StrictBool | None = None

    @field_validator("title", "completed", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null")
        return value

    @model_validator(mode="before")
    @classmethod
    def _not_empty(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data:
            raise ValueError("give title and/or completed")
        return data


class MemberIn(Request):
    username: Username


class ChannelsIn(Request):
    channels: Annotated[
        list[Annotated[StrictStr, Field(max_length=100)]], Field(min_length=1, max_length=100)
    ]


Position = Annotated[int, Field(ge=0, le=2**62)]


class Query(Schema):
    """Query parameters; an empty value (``?limit=``) means the default, as before."""

    @field_validator("*", mode="before")
    @classmethod
    def _blank(cls, value: Any, info: ValidationInfo) -> Any:
        if value == "":
            field = cls.model_fields[info.field_name or ""]
            return field.get_default(call_default_factory=True)
        return value


class ReadQuery(Query):
    min_position: Position | None = Field(
        default=None,
        description="wait (at most 5 s) until the read models reach this position, else 503",
    )


class ActivityQuery(ReadQuery):
    limit: Annotated[int, Field(ge=1, le=500)] = 50


class EventsQuery(Query):
    after: Position = Field(default=0, description="position cursor")
    channel: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="one channel (optional only for the gateway's service token)"
    )
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class UserOut(Schema):
    id: str
    username: str


class SessionOut(UserOut):
    token: str


class ListOut(Schema):
    id: str
    name: str
    owner_id: str
    members: list[UserOut]
    open_count: int
    done_count: int
    version: int
    position: int


class TodoOut(Schema):
    id: str
    list_id: str
    title: str
    completed: bool
    version: int
    position: int
    created_at: str
    updated_at: str


class ListWithTodosOut(ListOut):
    todos: list[TodoOut]


class ActivityOut(Schema):
    position: int
    type: str
    actor: str
    summary: str
    occurred_at: str


class EventPageOut(Schema):
    events: list[dict[str, Any]]  # each the shipped envelope (openapi.py adds its $ref)
    last_position: int


class RealtimeTokenOut(Schema):
    token: str
    channels: list[str]
    expires_at: str
    position: int


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, Any]


class ErrorOut(Schema):
    error: ErrorBody
