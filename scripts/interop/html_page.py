"""A readable HTML page of the AsyncAPI document, served by the API at ``/api/asyncapi``.

Plain HTML with no scripts, so it needs no renderer at run time; payload schemas are shown
inline from the files under ``schemas/`` that the document references.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from interop.event_schemas import generated_schemas
from interop.registry import load_schema


def _text(value: str) -> str:
    """Escape, then turn `code` spans into <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(value))


def _last(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _payload(message: dict[str, Any]) -> str:
    payload = message.get("payload", {})
    ref = payload.get("$ref")
    if ref:
        relative = ref.removeprefix("../schemas/")
        schema = generated_schemas().get(relative) or load_schema(relative)
        body = json.dumps(schema, indent=2, ensure_ascii=False)
        link = f"<p>payload: <code>schemas/{html.escape(relative)}</code></p>"
    else:
        body, link = json.dumps(payload, indent=2), "<p>payload:</p>"
    headers = message.get("headers")
    extra = f"<p>headers:</p><pre>{html.escape(json.dumps(headers, indent=2))}</pre>"
    return link + f"<pre>{html.escape(body)}</pre>" + (extra if headers else "")


def _channel(key: str, channel: dict[str, Any]) -> str:
    messages = ", ".join(f"<a href='#message-{m}'>{m}</a>" for m in channel["messages"])
    bindings = json.dumps(channel.get("bindings", {}), indent=2)
    address = channel["address"] or "(server-named)"
    return (
        f"<section id='channel-{key}'><h3>{html.escape(channel['title'])} — "
        f"<code>{html.escape(address)}</code></h3><p>{_text(channel['description'])}</p>"
        f"<p>messages: {messages}</p>"
        + (f"<pre>{html.escape(bindings)}</pre>" if channel.get("bindings") else "")
        + "</section>"
    )


def _operation(key: str, op: dict[str, Any]) -> str:
    messages = ", ".join(_last(m["$ref"]) for m in op["messages"])
    reply = op.get("reply")
    replies = f" → reply {', '.join(_last(m['$ref']) for m in reply['messages'])}" if reply else ""
    return (
        f"<tr><td><code>{key}</code></td><td>{op['action']}</td>"
        f"<td><a href='#channel-{_last(op['channel']['$ref'])}'>{_last(op['channel']['$ref'])}</a></td>"
        f"<td>{html.escape(messages + replies)}</td>"
        f"<td>{_text(op.get('summary', ''))} {_text(op.get('description', ''))}</td></tr>"
    )


def _message(key: str, message: dict[str, Any]) -> str:
    summary = _text(message.get("summary", ""))
    description = _text(message.get("description", ""))
    return (
        f"<section id='message-{key}'><h3>{html.escape(message.get('title', key))}</h3>"
        f"<p>{summary}</p><p>{description}</p>{_payload(message)}</section>"
    )


STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem}"
    "pre{background:#f5f5f5;padding:.6rem;overflow:auto;font-size:13px}"
    "td{padding:.25rem .5rem;vertical-align:top;border-top:1px solid #ddd}"
    "section{margin-bottom:1.5rem}"
)


def asyncapi_html(doc: dict[str, Any]) -> str:
    info = doc["info"]
    servers = "".join(
        f"<li><code>{k}</code>: {s['protocol']} {html.escape(s['host'])}"
        f"{html.escape(s.get('pathname', ''))} — {_text(s['description'])}</li>"
        for k, s in doc["servers"].items()
    )
    channels = "".join(_channel(k, c) for k, c in doc["channels"].items())
    operations = "".join(_operation(k, o) for k, o in doc["operations"].items())
    messages = "".join(_message(k, m) for k, m in doc["components"]["messages"].items())
    paragraphs = "".join(f"<p>{_text(p)}</p>" for p in info["description"].split("\n\n"))
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(info['title'])} (AsyncAPI)</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(info['title'])}</h1>"
        f"<p>AsyncAPI {doc['asyncapi']}, version {info['version']}. The document: "
        "<code>docs/asyncapi.yaml</code> in the repository. REST API: "
        "<a href='/api/docs'>/api/docs</a>, <a href='/api/openapi.json'>/api/openapi.json</a>."
        f"</p>{paragraphs}<h2>Servers</h2><ul>{servers}</ul>"
        f"<h2>Channels</h2>{channels}<h2>Operations</h2><table><tr><th>operation<th>action"
        f"<th>channel<th>messages<th>what</tr>{operations}</table>"
        f"<h2>Messages</h2>{messages}</body></html>\n"
    )
