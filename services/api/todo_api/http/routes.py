"""The API's route table (placeholder until the write side lands)."""

from django.urls import URLPattern


def api_urlpatterns() -> list[URLPattern]:
    return []
