"""What this machine can check of the compose path (it has no Docker engine).

- ``docker-compose config`` (Debian's docker-compose 1.29) validates docker-compose.yml with
  the variables of ``.env.example`` filled in, refuses it when a secret is missing, and the
  resolved file wires the services as CONTRACT.md §1 and §2 and docs/compose.md say;
- the one multi-stage Dockerfile parses, with a target per service: known instructions only,
  every COPY source exists in the build context and is not excluded by .dockerignore, a
  non-root user, a /healthz HEALTHCHECK;
- each target's ``uv sync`` steps run here on exactly the files they copy (from the local
  uv cache), and what they install imports; the api target's collectstatic step runs too;
- nginx accepts infra/nginx/nginx.conf (``nginx -t``, upstream host names made local).

docker-compose and nginx must be installed (``make test`` installs them); nothing skips.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
SERVICE_IMAGES = {"api": "todo-api", "projector": "todo-projector", "gateway": "todo-gateway"}
PORTS = {"api": 8000, "projector": 8001, "relay": 8002, "gateway": 9000}  # CONTRACT.md §1
SECRETS = (
    "SECRET_KEY",
    "REALTIME_SECRET",
    "POSTGRES_PASSWORD",
    "RABBITMQ_ADMIN_PASSWORD",
    "RABBITMQ_RELAY_PASSWORD",
    "RABBITMQ_PROJECTOR_PASSWORD",
    "RABBITMQ_GATEWAY_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
)
DOCKERFILE = REPO / "Dockerfile"
INSTALL_HINT = "apt-get install -y --no-install-recommends docker-compose nginx (make test does)"


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: {INSTALL_HINT}"
    return path


# -- docker-compose config ---------------------------------------------------------------


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def filled_env_file(tmp_path: Path, **overrides: str) -> Path:
    """``.env.example`` with a fresh random value for every secret, as a user would write it."""
    values = env_example()
    values.update({name: secrets.token_urlsafe(48) for name in SECRETS})
    values.update(overrides)
    path = tmp_path / "compose.env"
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


def compose(env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Only --env-file feeds variables: neither a developer's .env nor this shell's variables.
    return subprocess.run(
        [
            tool("docker-compose"),
            "--project-directory",
            str(REPO),
            "--file",
            str(COMPOSE_FILE),
            "--env-file",
            str(env_file),
            *args,
        ],
        env={"PATH": os.environ["PATH"], "HOME": str(env_file.parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def yaml_to_data(text: str) -> Any:
    """Parse YAML with the interpreter docker-compose itself runs on (it brings PyYAML)."""
    shebang = Path(tool("docker-compose")).read_text().splitlines()[0]
    interpreter = shlex.split(shebang[2:])
    code = "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"
    result = subprocess.run(
        [*interpreter, "-c", code], input=text, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """docker-compose.yml as docker-compose 1.29 resolves it, secrets filled in."""
    result = compose(filled_env_file(tmp_path_factory.mktemp("compose")), "config")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = yaml_to_data(result.stdout)
    return data


def test_compose_file_validates(resolved: dict[str, Any]) -> None:
    assert sorted(resolved["services"]) == [
        "api",
        "gateway",
        "grafana",
        "migrate",
        "nginx",
        "postgres",
        "projector",
        "prometheus",
        "rabbitmq",
        "relay",
    ]
    assert sorted(resolved["volumes"]) == [
        "grafana-data",
        "postgres-data",
        "prometheus-data",
        "rabbitmq-data",
    ]
    for name in ("prometheus", "grafana"):  # only with --profile monitoring
        assert resolved["services"][name]["profiles"] == ["monitoring"], name


@pytest.mark.parametrize("secret", SECRETS)
def test_a_missing_secret_stops_compose(tmp_path: Path, secret: str) -> None:
    result = compose(filled_env_file(tmp_path, **{secret: ""}), "config", "--quiet")
    assert result.returncode != 0
    assert secret in result.stderr


def test_env_example_documents_every_variable_and_holds_no_secret() -> None:
    lines = COMPOSE_FILE.read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    documented = env_example()
    assert used == set(documented), "docker-compose.yml and .env.example disagree"
    assert all(documented[name] == "" for name in SECRETS), "secrets stay empty in the example"
    text = ENV_EXAMPLE.read_text()
    for name in documented:
        assert re.search(rf"^# .*\n(# .*\n)*{name}=", text, re.M), f"{name} has no comment"


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_services_are_wired_as_the_contract_says(resolved: dict[str, Any]) -> None:
    services = resolved["services"]
    conditions = {
        name: {dep: spec["condition"] for dep, spec in service.get("depends_on", {}).items()}
        for name, service in services.items()
    }
    assert conditions["migrate"] == {"postgres": "service_healthy"}
    assert conditions["api"] == {"migrate": "service_completed_successfully"}
    for name in ("relay", "projector"):
        assert conditions[name] == {
            "migrate": "service_completed_successfully",
            "rabbitmq": "service_healthy",
        }
    assert conditions["gateway"] == {"api": "service_healthy", "rabbitmq": "service_healthy"}
    assert conditions["nginx"] == {"api": "service_healthy", "gateway": "service_healthy"}

    for name, kind in (
        ("api", "api"),
        ("migrate", "api"),
        ("relay", "api"),
        ("projector", "projector"),
        ("gateway", "gateway"),
    ):
        build = services[name]["build"]
        assert Path(build["context"]) == REPO, name
        assert build["dockerfile"] == "Dockerfile", name
        assert build["target"] == kind, name
        env = environment(services[name])
        assert env["DEBUG"] == "0", name
        assert env["EVENTS_EXCHANGE"] == "todo.events", name
        assert env["PROJECTOR_QUEUE"] == "projector.read-models", name
        assert env["API_URL"] == "http://api:8000", name
        assert "api" in env["ALLOWED_HOSTS"].split(","), name  # the gateway's catch-up

    for name in ("relay", "projector", "gateway"):
        env = environment(services[name])
        assert env[f"{name.upper()}_PORT"] == str(PORTS[name])
        assert env["AMQP_URL"].startswith(f"amqp://{name}:"), "one broker user per service"
        assert env["AMQP_URL"].endswith("@rabbitmq:5672/%2F")
    assert environment(services["api"])["API_PORT"] == "8000"
    assert environment(services["relay"])["HEALTHCHECK_PORT"] == "8002"
    assert services["relay"]["command"] == ["python", "services/api/manage.py", "relay"]
    assert services["migrate"]["command"][-2:] == ["migrate", "--no-input"]
    # "disable: true" is how the file says it; docker-compose 1.29 prints its meaning
    assert services["migrate"]["healthcheck"] in ({"disable": True}, {"test": ["NONE"]})
    for name in ("api", "migrate"):  # the web app and the outbox need no broker access
        assert "AMQP_URL" not in environment(services[name])
    assert "DATABASE_URL" not in environment(services["gateway"])

    published = {
        name: sorted(int(port["published"]) for port in service.get("ports", []))
        for name, service in services.items()
    }
    assert published == {
        "api": [],  # only nginx reaches it: it trusts the proxy's X-Forwarded-Proto
        "gateway": [],
        "grafana": [3000],
        "migrate": [],
        "nginx": [8080, 9000],
        "postgres": [],
        "projector": [],
        "prometheus": [9090],
        "rabbitmq": [15672],
        "relay": [],
    }
    assert "container_name" not in services["gateway"], "--scale gateway=3 needs no fixed name"
    # Docker's default 10 s would cut shutdowns short: gunicorn's graceful_timeout is 20 s,
    # the gateway drains 10 s then gives clients 3 s.
    grace = {name: services[name].get("stop_grace_period") for name in PORTS}
    assert grace == {"api": "25s", "gateway": "20s", "relay": "30s", "projector": "30s"}
    gunicorn = (REPO / "services/api/gunicorn.conf.py").read_text()
    assert re.search(r"^graceful_timeout = 20\b", gunicorn, re.M)
    for name in ("rabbitmq", "postgres", "nginx"):
        assert services[name]["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_the_broker_is_set_up_from_the_repository_and_the_environment(
    resolved: dict[str, Any],
) -> None:
    rabbitmq = resolved["services"]["rabbitmq"]
    assert rabbitmq["image"].startswith("rabbitmq:") and "management" in rabbitmq["image"]
    env = environment(rabbitmq)
    assert sorted(env) == sorted(f"RABBITMQ_{n}_PASSWORD" for n in SERVICES_WITH_USERS)
    mounts = mounts_of(rabbitmq)
    assert mounts["/var/lib/rabbitmq"]["type"] == "volume"
    for target, source in (
        ("/etc/todo-rabbitmq", "infra/rabbitmq"),
        ("/etc/rabbitmq/conf.d/90-todo.conf", "infra/rabbitmq/rabbitmq.conf"),
        ("/etc/rabbitmq/enabled_plugins", "infra/rabbitmq/enabled_plugins"),
    ):
        assert Path(mounts[target]["source"]) == REPO / source
        assert mounts[target]["read_only"], target
    assert rabbitmq["entrypoint"] == ["bash", "/etc/todo-rabbitmq/docker-entrypoint.sh"]
    conf = (REPO / "infra/rabbitmq/rabbitmq.conf").read_text()
    assert "load_definitions = /run/todo-rabbitmq/definitions.json" in conf
    entrypoint = (REPO / "infra/rabbitmq/docker-entrypoint.sh").read_text()
    assert '"$out/definitions.json"' in entrypoint and "out=/run/todo-rabbitmq" in entrypoint
    plugins = (REPO / "infra/rabbitmq/enabled_plugins").read_text().strip()
    assert plugins == "[rabbitmq_management,rabbitmq_prometheus]."
    for script in ("docker-entrypoint.sh", "render-definitions.sh"):
        subprocess.run(["bash", "-n", str(REPO / "infra/rabbitmq" / script)], check=True)

    postgres = resolved["services"]["postgres"]
    mounts = mounts_of(postgres)
    assert mounts["/var/lib/postgresql/data"]["type"] == "volume"
    text = json.dumps(resolved)
    assert "guest" not in text, "no guest user, anywhere"


SERVICES_WITH_USERS = ("ADMIN", "RELAY", "PROJECTOR", "GATEWAY")


def mounts_of(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Mounts by target, from the long syntax (Compose v2) or the short one (1.29 prints)."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *mode = volume.split(":")
            kind = "bind" if source.startswith(("/", ".")) else "volume"
            volume = {"type": kind, "source": source, "target": target, "read_only": mode == ["ro"]}
        mounts[volume["target"]] = volume
    return mounts


def test_every_bind_mount_exists(resolved: dict[str, Any]) -> None:
    for name, service in resolved["services"].items():
        for mount in mounts_of(service).values():
            if mount["type"] == "bind":
                assert Path(mount["source"]).exists(), f"{name}: {mount['source']}"


# -- Dockerfiles ---------------------------------------------------------------------------

KNOWN_INSTRUCTIONS = {
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
}


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)


def parse_dockerfile(path: Path) -> list[Stage]:
    """Instructions (continuations joined, comments dropped), grouped by build stage."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    assert not pending, f"{path}: the file ends in a line continuation"
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        assert keyword.upper() in KNOWN_INSTRUCTIONS, f"{path}: unknown instruction {keyword}"
        assert keyword == keyword.upper(), f"{path}: write {keyword.upper()}"
        if keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            assert len(words) in (1, 3), f"{path}: FROM {rest}"
            stages.append(Stage(words[0], name))
        else:
            assert stages, f"{path}: {keyword} before FROM"
            stages[-1].instructions.append((keyword, rest.strip()))
    assert stages, f"{path}: no FROM"
    return stages


def copy_arguments(rest: str) -> tuple[dict[str, str], list[str], str]:
    words = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
    flags = {}
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key] = value
    assert len(words) >= 2, f"COPY {rest}"
    return flags, words[:-1], words[-1]


def dockerignore_patterns() -> list[tuple[bool, str]]:
    patterns = []
    for line in (REPO / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            patterns.append((negated, line.lstrip("!").strip("/")))
    return patterns


def _match(pattern: str, path: str) -> bool:
    """Docker's rule: a pattern matches a path or any of its parent directories."""
    regex = ""
    for part in re.split(r"(\*\*/?|\*|\?|\[[^]]*\])", pattern):
        if part.startswith("**"):
            regex += "(.*/)?" if part.endswith("/") else ".*"
        elif part == "*":
            regex += "[^/]*"
        elif part == "?":
            regex += "[^/]"
        elif part.startswith("["):
            regex += part
        else:
            regex += re.escape(part)
    return re.fullmatch(rf"{regex}(/.*)?", path) is not None


def ignored(relative: str, patterns: list[tuple[bool, str]]) -> bool:
    excluded = False
    for negated, pattern in patterns:
        if _match(pattern, relative):
            excluded = not negated
    return excluded


def context_files(source: str) -> list[Path]:
    """The files of the build context under ``source``, after .dockerignore."""
    patterns = dockerignore_patterns()
    matches = sorted(REPO.glob(source)) if any(c in source for c in "*?[") else [REPO / source]
    found = []
    for match in matches:
        candidates = [match] if match.is_file() else sorted(p for p in match.rglob("*"))
        for path in candidates:
            if path.is_file() and not ignored(path.relative_to(REPO).as_posix(), patterns):
                found.append(path)
    return found


def chain(stages: list[Stage], target: str) -> list[Stage]:
    """The stages ``target`` is built from, root first (``FROM <stage>`` followed back)."""
    by_name = {stage.name: stage for stage in stages if stage.name}
    assert target in by_name, f"Dockerfile has no stage {target}"
    found = [by_name[target]]
    while found[0].base in by_name:
        found.insert(0, by_name[found[0].base])
    return found


def build_chain(stages: list[Stage], target: str) -> list[Stage]:
    """The chain of the stage ``target`` copies its /app from (``COPY --from=…``)."""
    for keyword, rest in chain(stages, target)[-1].instructions:
        if keyword == "COPY":
            flags, _sources, _dest = copy_arguments(rest)
            if "from" in flags:
                return chain(stages, flags["from"])
    raise AssertionError(f"{target}: copies nothing from a build stage")


def test_one_dockerfile_with_a_target_per_service() -> None:
    assert not list(REPO.glob("services/*/Dockerfile")), "one Dockerfile, at the root"
    names = {stage.name for stage in parse_dockerfile(DOCKERFILE)}
    assert set(SERVICE_IMAGES) <= names


@pytest.mark.parametrize("name", sorted(SERVICE_IMAGES))
def test_dockerfile_parses_and_copies_only_what_exists(name: str) -> None:
    stages = parse_dockerfile(DOCKERFILE)
    stage_names = {stage.name for stage in stages if stage.name}
    final_chain = chain(stages, name)
    built = build_chain(stages, name)
    for stage in (*built, *final_chain):
        if stage.base not in stage_names:
            assert re.fullmatch(r"python:3\.11-slim(-\w+)?", stage.base), f"FROM {stage.base}"
        for keyword, rest in stage.instructions:
            if keyword not in {"COPY", "ADD"}:
                continue
            flags, sources, _dest = copy_arguments(rest)
            if "from" in flags:
                assert flags["from"] in stage_names, f"{name}: COPY --from={flags['from']}"
                continue
            for source in sources:
                assert not source.startswith(("/", "..")), f"{name}: {source} is outside"
                assert context_files(source), f"{name}: COPY {source}: nothing in the context"

    instructions = [item for stage in final_chain for item in stage.instructions]
    final = dict(reversed(instructions))  # the first of each kind
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}, f"{name}: runs as root"
    healthcheck = final["HEALTHCHECK"]
    assert "/healthz" in healthcheck and "HEALTHCHECK_PORT" in healthcheck
    env = " ".join(rest for keyword, rest in final_chain[-1].instructions if keyword == "ENV")
    assert f"HEALTHCHECK_PORT={PORTS[name]}" in env
    assert final["EXPOSE"] == str(PORTS[name])
    assert "CMD" in final
    syncs = [rest for stage in built for k, rest in stage.instructions if "uv sync" in rest]
    assert syncs, f"{name}: not installed with uv"
    for command in syncs:
        words = command.split()
        for flag in ("--frozen", "--no-dev"):
            assert flag in words, f"{name}: uv sync without {flag}"
        assert words[words.index("--package") + 1] == SERVICE_IMAGES[name]


def test_dockerignore_keeps_local_state_out() -> None:
    patterns = dockerignore_patterns()
    for path in (
        ".venv/bin/python",
        "var/todo.sqlite3",
        ".env",
        ".git/HEAD",
        "tests/conftest.py",
        "services/api/todo_api/__pycache__/x.pyc",
        "services/api/node_modules/x.js",
    ):
        assert ignored(path, patterns), path
    for path in ("uv.lock", "pyproject.toml", "services/api/manage.py"):
        assert not ignored(path, patterns), path


# -- the Dockerfiles' install steps, run here ----------------------------------------------


@pytest.fixture
def build_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


IMPORTS = {
    "api": "import gunicorn, whitenoise, todo_api.wsgi, todo_shared",
    "projector": "import projector, todo_shared",
    "gateway": "import gateway, socketio, eventlet, todo_shared",
}


# The image must hold the JSON Schemas where todo_shared looks for them (schemas/ at the root).
SCHEMAS_FOUND = "import todo_shared.schema_files as s; assert (s.schema_dir() / 'envelope.schema.json').is_file()"


@pytest.mark.parametrize("name", sorted(SERVICE_IMAGES))
def test_dockerfile_install_steps_work_on_what_they_copy(name: str, build_dir: Path) -> None:
    """Replays the build stage: its COPYs into a scratch /app, its ``uv sync`` steps from
    the local uv cache (the base image and the network are what is left out), then the
    final stage's ``python`` steps; the result must import the service."""
    stages = parse_dockerfile(DOCKERFILE)
    app = build_dir / "app"
    app.mkdir()
    venv = app / ".venv"
    uv_env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_PYTHON": "python3.11",
        "UV_OFFLINE": "1",
        "UV_NO_PROGRESS": "1",
    }
    steps = [item for stage in build_chain(stages, name) for item in stage.instructions]
    for keyword, rest in steps:
        if keyword in {"COPY", "ADD"}:
            _flags, sources, dest = copy_arguments(rest)
            for source in sources:
                for path in context_files(source):
                    relative = path.relative_to(REPO / source) if (REPO / source).is_dir() else None
                    if dest.endswith("/") or dest in {".", "./"}:
                        target = app / dest / (relative or path.name)
                    else:
                        target = app / dest / relative if relative else app / dest
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
        elif keyword == "RUN" and rest.startswith("uv sync"):
            # uv as the Makefile runs it (PYTHON_BOOT -m uv)
            argv = [os.environ.get("PYTHON_BOOT", "python3.11"), "-m", "uv"]
            argv += shlex.split(rest)[1:]
            result = subprocess.run(
                argv,
                cwd=app,
                env=uv_env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, f"{name}: RUN {rest}\n{result.stderr}"

    python = str(venv / "bin" / "python")
    run_env = {"PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(build_dir)}
    result = subprocess.run(
        [
            python,
            "-c",
            f"{IMPORTS[name]}; {SCHEMAS_FOUND}; import todo_shared.config as c; print(c.REPO_ROOT)",
        ],
        cwd=app,
        env={**run_env, "DJANGO_SETTINGS_MODULE": "todo_api.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(app), "REPO_ROOT must be /app"

    for keyword, rest in chain(stages, name)[-1].instructions:
        if keyword != "RUN":
            continue
        for step in rest.split("&&"):
            if step.strip().startswith("python "):
                argv = [python, *shlex.split(step)[1:]]
                result = subprocess.run(
                    argv,
                    cwd=app,
                    env=run_env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
                assert result.returncode == 0, f"{name}: RUN {step}\n{result.stderr}"


# -- nginx -------------------------------------------------------------------------------


def test_nginx_accepts_its_configuration(tmp_path: Path) -> None:
    conf = (REPO / "infra/nginx/nginx.conf").read_text()
    upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\}", conf, re.S))
    assert "ip_hash;" in upstreams["gateways"], "long-polling sessions must stick"
    assert "server gateway:9000;" in upstreams["gateways"]
    assert "server api:8000;" in upstreams["api"]
    assert conf.count("proxy_set_header Upgrade $http_upgrade;") == 2
    assert conf.count("proxy_set_header Connection $connection_upgrade;") == 2
    assert re.search(r"listen 9000;", conf) and re.search(r"listen 8080;", conf)
    # The compose host names do not resolve here; everything else is checked as it is.
    local = conf.replace("gateway:9000", "127.0.0.1:9000").replace("api:8000", "127.0.0.1:8000")
    local = local.replace("pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;")
    (tmp_path / "nginx.conf").write_text(local)
    result = subprocess.run(
        [
            tool("nginx"),
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-g",
            f"error_log {tmp_path}/error.log;",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_dockerignore_matcher_follows_docker_rules() -> None:
    # the .dockerignore semantics the checks above rely on (Docker's "dockerignore" docs)
    assert _match("*", "anything/below")
    assert _match("**/__pycache__", "__pycache__/x.pyc")
    assert _match("**/__pycache__", "services/api/__pycache__/x.pyc")
    assert _match("**/*.py[cod]", "a/b/c.pyc")
    assert not _match("**/*.py[cod]", "a/b/c.py")
    assert not _match("services", "servicesX/a")
