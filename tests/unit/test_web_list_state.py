"""The page's list-state.js, a pure module, under node's test runner (``node --test``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

JS_TESTS = Path(__file__).parent / "js"


def test_list_state_js_under_node() -> None:
    files = sorted(str(p) for p in JS_TESTS.glob("*.test.mjs"))
    assert files, "no JS unit tests found"
    result = subprocess.run(
        ["node", "--test", *files], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 1" in result.stdout and "# fail 0" in result.stdout, result.stdout
