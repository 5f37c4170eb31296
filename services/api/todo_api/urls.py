"""URL routes: the JSON API (django-ninja, ``todo_api.entrypoints.http``), admin, the page."""

from django.contrib import admin
from django.urls import include, path, re_path

from todo_api.entrypoints.http.api import api
from todo_api.entrypoints.http.ops import healthz, metrics, not_found
from todo_api.web.asyncapi import asyncapi_page

handler400 = "todo_api.entrypoints.http.ops.bad_request"
handler404 = "todo_api.entrypoints.http.ops.not_found"
handler500 = "todo_api.entrypoints.http.ops.server_error"

urlpatterns = [
    path("healthz", healthz),
    path("metrics", metrics),
    path("admin/", admin.site.urls),
    path("api/asyncapi", asyncapi_page),  # before the API's JSON 404 for the rest of /api/
    path("api/", api.urls),
    re_path(r"^api/", not_found),  # JSON 404 for the rest of /api/, DEBUG or not
    path("", include("todo_api.web.urls")),
]
