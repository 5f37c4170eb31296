"""``GET /api/asyncapi``: the AsyncAPI document (``docs/asyncapi.yaml``) as a page, beside
``/api/docs``. The page is generated with the document by ``scripts/generate_interop.py``
into ``static/web/asyncapi.html``, so it ships in the image and cannot drift from it."""

from pathlib import Path

from django.http import HttpRequest, HttpResponse

PAGE = Path(__file__).resolve().parent / "static" / "web" / "asyncapi.html"


def asyncapi_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.read_bytes(), content_type="text/html; charset=utf-8")
