"""wrk, the load generator, run as a separate process; its report parsed into numbers."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
# Distinct requests for cold-cache runs: wrk calls request() for every request; `{n}` in the path becomes a counter
# that starts past `counter_from`.
_COUNTER_SCRIPT = """
counter = {start}
request = function()
  counter = counter + 1
  local path = string.gsub(wrk.path, "{n}", tostring(counter))
  return wrk.format(nil, path)
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def run(
    url: str,
    *,
    connections: int,
    seconds: float,
    headers: Mapping[str, str] | None = None,
    counter_from: int | None = None,
) -> dict[str, float]:
    """Load `url` for `seconds` (bounded: wrk stops itself) and return req/s, p50/p90/p99 (ms) and non-2xx count."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "5s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory() as scratch:
        if counter_from is not None:
            script = Path(scratch) / "counter.lua"
            script.write_text(_COUNTER_SCRIPT.replace("{start}", str(counter_from)))
            command += ["-s", str(script)]
        output = subprocess.run(  # noqa: S603 - wrk with our arguments
            [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
        ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result = {"rps": float(found.group(1)) if found else 0.0}
    for percentile, value, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        result[f"p{percentile}_ms"] = round(float(value) * _UNITS_MS[unit], 3)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests = re.search(r"(\d+) requests in", output)
    result["non_2xx"] = float(errors.group(1)) if errors else 0.0
    result["requests"] = float(requests.group(1)) if requests else 0.0
    return result
