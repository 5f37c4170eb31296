"""URL routes: the API (from the route table in ``todo_api.http.routes``), admin, the page."""

from django.contrib import admin
from django.urls import include, path

from todo_api.http.routes import api_urlpatterns
from todo_api.http.views_ops import healthz, metrics
from todo_api.web.asyncapi import asyncapi_page

handler400 = "todo_api.http.views_ops.bad_request"
handler404 = "todo_api.http.views_ops.not_found"
handler500 = "todo_api.http.views_ops.server_error"

urlpatterns = [
    path("healthz", healthz),
    path("metrics", metrics),
    path("admin/", admin.site.urls),
    path("api/asyncapi", asyncapi_page),  # before the API's JSON 404 for the rest of /api/
    *api_urlpatterns(),
    path("", include("todo_api.web.urls")),
]
