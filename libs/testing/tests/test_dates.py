"""The test dates are UTC's, whatever the machine's zone: checked at a faked instant where the two differ."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# 12:00 UTC on 6 December is already 02:00 on 7 December in Kiritimati (UTC+14): a machine there counted
# "yesterday" as UTC's today, and the flights and stays "past date is 422" tests got a 200.
_ZONE = "Pacific/Kiritimati"
# An absolute instant, not an offset from the clock, so the verdict holds under an outer faked clock as well
# (deploy/make/at-time.sh); libfaketime reads it in the process's own zone.
_NOON_UTC_IN_KIRITIMATI = "@2026-12-07 02:00:00"
_PROBE = (
    "import datetime as dt; from tripsage_testing.dates import iso_day, utc_today; "
    "print(dt.datetime.now(dt.UTC).date(), dt.date.today(), utc_today(), iso_day(-1), iso_day(1))"
)


def test_iso_day_counts_from_utc_today_on_a_machine_a_day_ahead_of_utc() -> None:
    faketime = shutil.which("faketime")
    assert faketime, "faketime is not installed (Debian: apt-get install faketime)"
    result = subprocess.run(
        [faketime, "-f", _NOON_UTC_IN_KIRITIMATI, sys.executable, "-c", _PROBE],
        env={**os.environ, "TZ": _ZONE},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    utc_date, local_date, today, yesterday, tomorrow = result.stdout.split()
    # The faked clock and the zone took hold: the machine is a day ahead of UTC.
    assert (utc_date, local_date) == ("2026-12-06", "2026-12-07")
    assert (today, yesterday, tomorrow) == ("2026-12-06", "2026-12-05", "2026-12-07")
