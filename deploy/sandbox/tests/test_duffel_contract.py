"""The official @duffel/api client (Node, pinned in contract-duffel/package-lock.json) against a real sandbox."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tripsage_testing.sandbox import RunningSandbox

CONTRACT = Path(__file__).resolve().parents[1] / "contract-duffel"
INSTALL = f"npm ci --ignore-scripts --prefix {CONTRACT}"


def test_the_official_duffel_client_gets_typed_objects_and_documented_errors(sandbox: RunningSandbox) -> None:
    node = shutil.which("node")
    assert node is not None, "node is not on PATH (apt-get install nodejs npm)"
    assert (CONTRACT / "node_modules" / "@duffel" / "api").is_dir(), f"@duffel/api is not installed: run `{INSTALL}`"
    done = subprocess.run(
        [node, "contract.mjs"],
        cwd=CONTRACT,
        env={**os.environ, "SANDBOX_URL": sandbox.url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "0 failed" in done.stdout, report
    assert "not ok" not in done.stdout, report
