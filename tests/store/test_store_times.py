"""`utc_iso` is `parse_time(...).isoformat()`, fast path or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from sessionview.store.formats.common import parse_time, utc_iso


def reference(value: object) -> str | None:
    parsed = parse_time(value)
    return parsed.isoformat() if parsed is not None else None


AWARE = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), None]),
)


@given(AWARE)
def test_any_isoformat_agrees(dt: datetime) -> None:
    for text in (dt.isoformat(), dt.isoformat(sep=" "), dt.isoformat(timespec="milliseconds")):
        assert utc_iso(text) == reference(text)


@given(st.text(alphabet="0123456789-:T.+ZW ", max_size=34))
def test_near_miss_strings_agree(text: str) -> None:
    assert utc_iso(text) == reference(text)


def test_the_writers_form_is_kept_and_odd_forms_are_normalised() -> None:
    canonical = "2026-06-01T12:00:00.123456+00:00"
    assert utc_iso(canonical) is canonical
    assert utc_iso("2026-06-01T12:00:00.000000+00:00") == "2026-06-01T12:00:00+00:00"
    assert utc_iso("2026-W01-1T12:00:00.123456+00:00") == reference(
        "2026-W01-1T12:00:00.123456+00:00"
    )
    assert utc_iso("2026-06-01T12:00:00.123456Z") == canonical
    assert utc_iso("2026-02-30T12:00:00.123456+00:00") is None
    for bad in (None, 5, "", "yesterday", ["2026-06-01"]):
        assert utc_iso(bad) is None
