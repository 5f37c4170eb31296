# One image per service, from one file: `docker build --target api|projector|gateway .`
# (docker-compose.yml builds each service with its target). Build context: the repository
# root; .dockerignore lets through only the manifests, the lock and services/.
#
# build-base       uv (pinned) and the workspace manifests
# build-<service>  the locked third-party dependencies of todo-<service> (a layer cached
#                  across code edits), then the workspace packages, editable, at
#                  /app/services/... where todo_shared.config finds the repository root
# runtime          python:3.11-slim with the unprivileged user `app` (uid 10001)
# <service>        runtime + that service's /app, its port, health check and command

FROM python:3.11-slim-bookworm AS build-base
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY services/shared/pyproject.toml services/shared/pyproject.toml
COPY services/api/pyproject.toml services/api/pyproject.toml
COPY services/projector/pyproject.toml services/projector/pyproject.toml
COPY services/gateway/pyproject.toml services/gateway/pyproject.toml

FROM build-base AS build-api
RUN uv sync --frozen --no-dev --package todo-api --no-install-workspace
COPY schemas schemas
COPY services/shared services/shared
COPY services/api services/api
RUN uv sync --frozen --no-dev --package todo-api

FROM build-base AS build-projector
RUN uv sync --frozen --no-dev --package todo-projector --no-install-workspace
COPY schemas schemas
COPY services/shared services/shared
COPY services/projector services/projector
RUN uv sync --frozen --no-dev --package todo-projector

FROM build-base AS build-gateway
RUN uv sync --frozen --no-dev --package todo-gateway --no-install-workspace
COPY schemas schemas
COPY services/shared services/shared
COPY services/gateway services/gateway
RUN uv sync --frozen --no-dev --package todo-gateway

FROM python:3.11-slim-bookworm AS runtime
# The commit the image was built from, shown as `revision` on every *_build_info metric.
ARG BUILD_REVISION=unknown
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BUILD_REVISION=$BUILD_REVISION

FROM runtime AS api
COPY --from=build-api /app /app
ENV HEALTHCHECK_PORT=8000
# Static files are collected into the image (var/static, STATIC_ROOT) and served by
# WhiteNoise under hashed names. var/ is the app's, for a SQLite DATABASE_URL outside compose.
RUN python services/api/manage.py collectstatic --no-input -v 0 \
    && chown app:app /app/var
# The relay and the migrate step run from this image too; compose sets HEALTHCHECK_PORT.
USER app
EXPOSE 8000
# python:3.11-slim has no curl; urlopen raises (exit 1) on a refused connection or a non-2xx.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['HEALTHCHECK_PORT'], timeout=4)"
CMD ["gunicorn", "--config", "services/api/gunicorn.conf.py"]

FROM runtime AS projector
COPY --from=build-projector /app /app
ENV HEALTHCHECK_PORT=8001
USER app
EXPOSE 8001
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['HEALTHCHECK_PORT'], timeout=4)"
CMD ["python", "-m", "projector"]

FROM runtime AS gateway
COPY --from=build-gateway /app /app
ENV HEALTHCHECK_PORT=9000
USER app
EXPOSE 9000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['HEALTHCHECK_PORT'], timeout=4)"
CMD ["python", "-m", "gateway"]
