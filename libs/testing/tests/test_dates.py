"""The test dates are UTC's, whatever the machine's zone: checked at a faked instant where the two differ."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time

# 12:00 UTC on 6 December is already 02:00 on 7 December in Kiritimati (UTC+14): a machine there counted
# "yesterday" as UTC's today, and the flights and stays "past date is 422" tests got a 200.
_NOON_UTC = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
_PROBE = (
    "import datetime as dt; from tripsage_testing.dates import iso_day, utc_today; "
    "print(dt.date.today(), utc_today(), iso_day(-1), iso_day(1))"
)


def test_iso_day_counts_from_utc_today_on_a_machine_a_day_ahead_of_utc() -> None:
    faketime = shutil.which("faketime")
    assert faketime, "faketime is not installed (Debian: apt-get install faketime)"
    offset_s = int(_NOON_UTC.timestamp() - time.time())
    result = subprocess.run(
        [faketime, "-f", f"{offset_s:+d}", sys.executable, "-c", _PROBE],
        env={**os.environ, "TZ": "Pacific/Kiritimati"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    local_today, today, yesterday, tomorrow = result.stdout.split()
    assert local_today == "2026-12-07"  # the faked clock and the zone took hold: the machine is a day ahead
    assert (today, yesterday, tomorrow) == ("2026-12-06", "2026-12-05", "2026-12-07")
