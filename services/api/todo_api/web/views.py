"""The web page: thin Django views that render the shell of each page.

Data is not rendered here: the page's scripts read it from the JSON API (session cookie plus
``X-CSRFToken``) and follow it live through the gateway, so the server renders only who is
signed in, which list is open and where the gateway is (``json_script``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST

from todo_api.application.errors import ApplicationError
from todo_api.bootstrap import wired
from todo_api.identity import services as identity
from todo_api.limits.addresses import client_address
from todo_api.web.forms import CredentialsForm, SignupForm
from todo_api.web.gateway_url import gateway_url


def _page_config(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """What the page's scripts need. ``minPosition`` (the newest store position now) makes
    their first read wait for the projector, so a page opened right after a write shows it."""
    user = request.user
    return {
        "user": {"id": str(user.pk), "username": user.get_username()},
        "gatewayUrl": gateway_url(request),
        "minPosition": wired().recorder.head(),
        **extra,
    }


def _address(request: HttpRequest) -> str:
    return client_address(request)  # X-Forwarded-For only from TRUSTED_PROXIES


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@ensure_csrf_cookie
def lists_page(request: HttpRequest) -> HttpResponse:
    """The signed-in user's lists."""
    return render(request, "web/lists.html", {"config": _page_config(request)})


@login_required
@ensure_csrf_cookie
def list_page(request: HttpRequest, list_id: UUID) -> HttpResponse:
    """One list: its todos, members and activity."""
    config = _page_config(request, listId=str(list_id))
    # Unknown and not-yours look the same, as in the API; the script shows the notice.
    status = 200 if wired().access.can_read(str(request.user.pk), str(list_id)) else 404
    return render(request, "web/list.html", {"config": config}, status=status)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account (the API's rules) and sign in with a session."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = identity.create_account(
                form.cleaned_data["username"], form.cleaned_data["password"], _address(request)
            )
        except ApplicationError as exc:
            # invalid_input names a reason per field; other codes say it in their message.
            for field, reason in exc.fields.items():
                message = reason if exc.code == "invalid_input" else exc.message
                form.add_error(field if field in form.fields else None, capfirst(str(message)))
            if not exc.fields:
                form.add_error(None, capfirst(exc.message))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("web:lists")
    return render(request, "web/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in with a session; ``next`` (same host only) says where to go afterwards."""
    form = CredentialsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = identity.check_credentials(
                form.cleaned_data["username"], form.cleaned_data["password"], _address(request)
            )
        except ApplicationError as exc:
            wrong = exc.code == "invalid_credentials"
            form.add_error(None, "Wrong username or password." if wrong else exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect(_next_url(request))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "web/login.html", context, status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out (a POST with the CSRF token, so no link can sign anyone out)."""
    logout(request)
    return redirect("web:login")
