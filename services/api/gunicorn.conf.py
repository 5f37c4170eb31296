"""gunicorn settings for the API (compose, and the test stack). Env: API_PORT, WEB_CONCURRENCY."""

import os

bind = f"0.0.0.0:{os.environ.get('API_PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
backlog = 2048
timeout = 30
graceful_timeout = 20
accesslog = None
loglevel = "warning"
wsgi_app = "todo_api.wsgi:application"
chdir = os.path.dirname(os.path.abspath(__file__))
