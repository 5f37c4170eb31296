"""The API's request observability: one request id, JSON access logs, per-route metrics.

``RequestObservabilityMiddleware`` (``middleware.py``) is the first entry of
``settings.MIDDLEWARE``; ``metrics.py`` holds the API's Prometheus metrics, which under
gunicorn are merged across workers (``gunicorn.conf.py``, multiprocess mode).
"""
