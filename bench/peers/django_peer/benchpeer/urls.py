from django.http import HttpResponse
from django.urls import path

from benchpeer.views import create_todo

urlpatterns = [
    path("api/lists/<uuid:list_id>/todos", create_todo),
    path("healthz", lambda request: HttpResponse("ok")),
]
