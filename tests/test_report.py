"""The report for a physiotherapist: a page that stands alone, with the right numbers in it."""

from __future__ import annotations

import copy
import errno
import json
import os
import re
import sys
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coach import report
from coach.cli import cli
from coach.errors import PackageMissing, ReportError
from tests import history_sample

pytest.importorskip("pygal", reason="the report extra is not installed")

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=timezone(timedelta(hours=1)))
SAMPLE = history_sample.MONTH_FILE


def sample() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return records


class Page(HTMLParser):
    """The parts of a report a test reads: headings, tables (as rows of cell text), classes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings: list[tuple[str, str]] = []
        self.tables: list[list[list[str]]] = []
        self.cell_classes: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._heading: str | None = None
        self._cell: list[str] | None = None
        self._hidden = 0
        self._open_tables: list[list[list[str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in ("h1", "h2", "h3"):
            self._heading = ""
            self.headings.append((tag, ""))
        elif tag == "table":
            self._open_tables.append([])
        elif tag == "tr" and self._open_tables:
            self._open_tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
            if tag == "td":
                self.cell_classes.append(attributes.get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings[-1] = (tag, self._heading.strip())
            self._heading = None
        elif tag == "table" and self._open_tables:
            self.tables.append(self._open_tables.pop())
        elif tag in ("td", "th") and self._cell is not None and self._open_tables:
            self._open_tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading += data
        if self._cell is not None:
            self._cell.append(data)

    def h2(self) -> list[str]:
        return [text for tag, text in self.headings if tag == "h2"]

    def table(self, first_header: str) -> list[list[str]]:
        """The rows (header row left out) of the table whose first header is ``first_header``."""
        found = [t for t in self.tables if t and t[0] and t[0][0] == first_header]
        assert found, f"no table starting with {first_header!r}"
        return found[0][1:]


@pytest.fixture(scope="module")
def month_page() -> str:
    return report.build_report(sample(), NOW)


def test_the_sample_is_what_its_script_makes() -> None:
    assert sample() == history_sample.month()


def test_the_page_stands_alone(month_page: str) -> None:
    page = Page(month_page)
    for tag, attributes in page.tags:
        assert tag not in ("script", "link", "iframe", "img", "object", "embed"), tag
        for name in ("src", "href", "xlink:href"):
            value = attributes.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), (tag, name, value)
    assert "<script" not in month_page.lower()
    assert "url(" not in month_page and "@import" not in month_page
    assert month_page.count("<svg") == 2  # the charts are inline


def test_the_page_has_its_sections_and_text_for_each_chart(month_page: str) -> None:
    page = Page(month_page)
    assert [t for tag, t in page.headings if tag == "h1"] == ["Exercise report"]
    assert page.h2() == [
        "Sessions per week",
        "Days done",
        "Pain before and after",
        "Exercises",
        "Flagged sessions",
    ]
    assert '<html lang="en">' in month_page
    # Every chart is an image with words: its summary as its label and as the caption.
    svgs = re.findall(r"<svg[^>]*>", month_page)
    assert all('role="img"' in s and "aria-label=" in s for s in svgs)
    assert month_page.count("<figcaption") == 2
    assert all(re.search(r'<th scope="(col|row)"', t) for t in month_page.split("<table")[1:])


def test_the_overview_says_the_period_and_what_was_left_out(month_page: str) -> None:
    text = " ".join(re.sub(r"<[^>]+>", " ", month_page).split())
    assert "Period 2 November 2026 to 1 December 2026 (30 days)" in text
    assert "Sessions 29 (28 finished, 1 interrupted)" in text
    assert "Days with a session 25 of 30" in text
    assert "Left out 1 simulated session (a trial run)" in text
    assert "Made 1 December 2026, 20:00" in text
    assert "Quick demo" not in text  # the simulated session's routine


def test_sessions_per_week(month_page: str) -> None:
    assert Page(month_page).table("Week of")[:5] == [
        ["2 Nov 2026", "6", "6", "0"],
        ["9 Nov 2026", "7", "7", "0"],
        ["16 Nov 2026", "7", "6", "1"],
        ["23 Nov 2026", "7", "7", "0"],
        ["30 Nov 2026", "2", "2", "0"],
    ]
    assert "5 weeks, 5.8 sessions a week on average" in month_page
    assert "The last week is counted up to 1 Dec." in month_page


def test_the_calendar_marks_each_day(month_page: str) -> None:
    page = Page(month_page)
    calendar = next(t for t in page.tables if t[0][:2] == ["Week of", "Mon"])
    assert [row[0] for row in calendar[1:]] == ["2 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov"]
    assert calendar[1][3] == "4 ●● (2 sessions)"  # Wednesday: morning and evening
    assert calendar[1][6] == "7 (no session)"
    assert calendar[3][1] == "16 ○ (1 session, 1 ended early)"  # the power cut
    classes = page.cell_classes
    assert (classes.count("done"), classes.count("partial")) == (24, 1)
    assert classes.count("outside") == 5  # 2 to 6 December
    assert "Sessions on 25 of 30 days; the longest run was 6 days in a row." in month_page


def test_pain_before_and_after(month_page: str) -> None:
    rows = Page(month_page).table("Session")
    assert len(rows) == 25  # the morning routine asks; the evening one does not
    routine = "Gentle relief for a pinched nerve in the leg"
    assert rows[0] == ["2 Nov 2026 08:00", routine, "6", "5"]
    assert rows[-1] == ["1 Dec 2026 08:03", routine, "3", "2"]
    by_time = {row[0]: row[2:] for row in rows}
    assert by_time["6 Nov 2026 08:03"] == ["not answered", "5"]
    assert by_time["13 Nov 2026 08:02"] == ["5", "not answered"]
    assert by_time["16 Nov 2026 08:23"] == ["4", "not answered"]
    assert by_time["19 Nov 2026 08:19"] == ["4", "6"]
    assert (
        "Pain before a session (0 to 10) averaged 6 in the first week and 3 in the last; "
        "answered in 24 of 25 sessions that asked."
    ) in month_page


def test_the_pain_chart_breaks_where_a_question_was_not_answered(month_page: str) -> None:
    chart = month_page.split('id="chart-pain"')[1].split("</svg>")[0]
    lines = re.findall(r'<path d="M[^"]*"[^>]*class="line reactive[^"]*"', chart)
    # Before: 2-5 Nov, then from 9 Nov on. After: up to 12 Nov, then from 17 Nov (14 Nov
    # stands alone: a dot, no line).
    assert len(lines) == 4
    assert len(re.findall(r'<circle[^>]*class="dot', chart)) == 24 + 23


def test_each_exercise_done_offered_and_hurt(month_page: str) -> None:
    page = Page(month_page)
    assert [t for tag, t in page.headings if tag == "h3"] == [
        "Gentle relief for a pinched nerve in the leg",
        "Hip and seat relief",
    ]
    morning, evening = [t[1:] for t in page.tables if t[0][0] == "Exercise"]
    assert morning == [
        ["Rest and breathe", "25", "25", "100%", "0"],
        ["Standing balance stretch", "25", "25", "100%", "0"],
        ["Seated forward reach", "23", "25", "92%", "1"],
        ["Hip stretch on your back", "24", "25", "96%", "0"],
        ["Gentle leg massage", "23", "25", "92%", "0"],
        ["Final rest", "24", "25", "96%", "0"],
    ]
    assert evening[2] == ["Knee across your body", "3", "4", "75%", "1"]
    assert sum(int(row[4]) for row in morning + evening) == 2


def test_the_flagged_sessions(month_page: str) -> None:
    flagged = [t for t in Page(month_page).tables if t[0][:3] == ["Session", "Routine", "Why"]]
    assert flagged[0][1:] == [
        [
            "19 Nov 2026 08:19",
            "Gentle relief for a pinched nerve in the leg",
            "pain rose from 4 to 6",
            "4 → 6",
            "finished",
        ]
    ]


def test_a_session_ended_by_a_hurt_answer_is_flagged() -> None:
    records = sample()
    ended = history_sample.session(
        99,
        datetime(2026, 12, 1, 18, 0, tzinfo=history_sample.ZONE),
        "hip-piriformis",
        hurt="Knee across your body",
        stopped_by_hurt=True,
    )
    ended["flagged"] = False  # the report sees why, whatever the history said
    page = Page(report.build_report([*records, ended], NOW))
    flagged = next(t for t in page.tables if t[0][:3] == ["Session", "Routine", "Why"])[1:]
    assert [row[0] for row in flagged] == ["19 Nov 2026 08:19", "1 Dec 2026 18:00"]
    assert flagged[1][2:] == [
        'ended after a "hurt" answer (Knee across your body)',
        "not answered → not answered",
        "stopped early",
    ]


def test_a_session_stopped_later_by_hand_is_not_said_to_be_ended_by_hurt() -> None:
    stopped = history_sample.session(
        99,
        datetime(2026, 12, 1, 18, 0, tzinfo=history_sample.ZONE),
        "hip-piriformis",
        hurt="Knee across your body",
        interrupted_after=4,
    )
    stopped.update(outcome="stopped", ended="2026-12-01T18:09:00+01:00")
    assert stopped["check_ins"][-1]["answer"] == "fine"
    page_text = report.build_report([*sample(), stopped], NOW)
    assert "1 Dec 2026 18:00" not in page_text.split("Flagged sessions")[1]


def test_an_empty_history() -> None:
    page_text = report.build_report([], NOW)
    page = Page(page_text)
    assert page.h2() == [
        "Sessions per week",
        "Days done",
        "Pain before and after",
        "Exercises",
        "Flagged sessions",
    ]
    assert "<svg" not in page_text
    assert "no sessions recorded" in page_text
    assert "<title>Exercise report</title>" in page_text


def test_only_simulated_sessions_is_an_empty_report_that_says_so() -> None:
    page_text = report.build_report([r for r in sample() if r["simulated"]], NOW)
    assert "no sessions recorded" in page_text
    assert "1 simulated session (a trial run)" in page_text


def test_a_history_with_no_pain_answers() -> None:
    records = sample()
    for record in records:
        record["pain_before"] = record["pain_after"] = None
        record["flagged"] = False
    page_text = report.build_report(records, NOW)
    assert "No pain answers in this period" in page_text
    assert page_text.count("<svg") == 1  # sessions per week only
    assert "No session was flagged." in page_text


def test_sessions_still_running_are_left_out_and_counted() -> None:
    records = sample()
    running = copy.deepcopy(records[-1])
    running.update(id=31, started="2026-12-01T19:55:00+01:00", ended=None, outcome="running")
    page_text = report.build_report([*records, running], NOW)
    assert "1 simulated session (a trial run), 1 session still running" in page_text
    assert "Sessions 29 (" in " ".join(re.sub(r"<[^>]+>", " ", page_text).split())


def test_names_are_escaped() -> None:
    records = sample()[1:4]
    for record in records:
        record["routine_name"] = "<script>alert('routine')</script>"
        record["exercises"][1]["name"] = '<img src="x" onerror="alert(1)">'
        record["check_ins"][0]["exercise"] = '<img src="x" onerror="alert(1)">'
    page_text = report.build_report(records, NOW)
    assert "<script" not in page_text and "<img" not in page_text
    assert "&lt;script&gt;alert(&#x27;routine&#x27;)&lt;/script&gt;" in page_text
    assert "&lt;img src=&quot;x&quot; onerror=&quot;alert(1)&quot;&gt;" in page_text


def test_the_same_history_gives_the_same_page(month_page: str) -> None:
    assert report.build_report(list(reversed(sample())), NOW) == month_page


def test_records_that_are_not_sessions_are_named() -> None:
    records = sample()[:3]
    del records[0]["started"]
    records[2]["pain_before"] = 11
    with pytest.raises(ReportError) as caught:
        report.build_report([*records, "nonsense"], NOW)
    assert caught.value.problems == [
        "session 1: missing 'started'",
        "session 3: pain_before: must be 0 to 10 or null, got 11",
        "session 4: not a session record, got str",
    ]


def test_a_year_of_daily_sessions() -> None:
    page_text = report.build_report(history_sample.year(), NOW)
    assert len(Page(page_text).table("Week of")) == 53
    assert "<dt>Sessions</dt><dd>365 (365 finished)</dd>" in page_text


# -- the command -------------------------------------------------------------------


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, env={"COACH_CONFIG": os.devnull})
    return result.exit_code, result.stdout, result.stderr


def test_the_command_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, stdout, stderr = invoke("report", str(out), "--from-json", str(SAMPLE))
    assert (code, stderr) == (0, "")
    assert stdout == f"wrote {out} (29 sessions)\n"
    page = Page(out.read_text(encoding="utf-8"))
    assert page.table("Week of")[0] == ["2 Nov 2026", "6", "6", "0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_the_command_reports_from_a_day_on(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, stdout, _ = invoke(
        "report", str(out), "--from-json", str(SAMPLE), "--since", "2026-11-23"
    )
    assert (code, stdout) == (0, f"wrote {out} (9 sessions)\n")
    page_text = out.read_text()
    assert "<dd>23 November 2026 to 1 December 2026 (9 days)</dd>" in page_text
    assert "Left out" not in page_text  # the simulated session was before then
    code, _, stderr = invoke("report", str(out), "--from-json", str(SAMPLE), "--since", "23 Nov")
    assert code == 2 and "'23 Nov' does not match the format '%Y-%m-%d'" in stderr


def test_sessions_recorded_without_an_offset_are_read_as_local_time() -> None:
    records = sample()
    records[5]["started"] = records[5]["started"].removesuffix("+01:00")
    assert "Exercise report" in report.build_report(records, NOW)


def test_the_command_reads_standard_input(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, stdout, _ = invoke("report", str(out), "--from-json", "-", input=SAMPLE.read_text())
    assert code == 0 and "(29 sessions)" in stdout


def test_a_file_that_is_not_a_session_list(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"sessions": []}')
    code, _, stderr = invoke("report", str(tmp_path / "r.html"), "--from-json", str(bad))
    assert code == 1
    assert stderr == (
        f"coach: {bad}: expected a list of sessions, as 'coach history --format json' writes\n"
    )
    bad.write_text("[{")
    code, _, stderr = invoke("report", str(tmp_path / "r.html"), "--from-json", str(bad))
    assert code == 1 and stderr.startswith(f"coach: {bad}: not a JSON file: ")
    assert not (tmp_path / "r.html").exists()


def test_without_pygal_the_command_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pygal", None)  # import pygal raises ImportError
    with pytest.raises(PackageMissing):
        report.load_pygal()
    out = tmp_path / "report.html"
    code, stdout, stderr = invoke("report", str(out), "--from-json", str(SAMPLE))
    assert (code, stdout) == (1, "")
    assert stderr == (
        "coach: the report draws its charts with pygal, which is not installed: "
        "pip install 'voice-coach[report]'\n"
    )
    assert not out.exists()


def test_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "no such folder" / "report.html"
    code, _, stderr = invoke("report", str(out), "--from-json", str(SAMPLE))
    assert code == 1
    assert stderr == f"coach: cannot write the report {out}: No such file or directory\n"
    code, _, stderr = invoke("report", str(tmp_path), "--from-json", str(SAMPLE))
    assert code == 2 and "is a directory" in stderr


def test_a_failed_write_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.html"
    out.write_text("the report of last month")
    written: list[int] = []

    def full_disk(fd: int, data: Any) -> int:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(fd)
        return real_write(fd, bytes(data[:100]))

    real_write = os.write
    monkeypatch.setattr(os, "write", full_disk)
    code, _, stderr = invoke("report", str(out), "--from-json", str(SAMPLE))
    monkeypatch.undo()
    assert code == 1
    assert stderr == f"coach: cannot write the report {out}: No space left on device\n"
    assert out.read_text() == "the report of last month"  # the old one, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temporary file


def test_the_command_reads_this_machines_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "report.html"
    code, stdout, stderr = invoke("report", str(out))
    assert (code, stdout) == (0, f"wrote {out} (0 sessions)\n"), stderr
    assert "no sessions recorded" in out.read_text()
    assert not (tmp_path / "data").exists()  # a report makes no history
    # A session recorded here: simulated, so it is counted as left out.
    code, _, stderr = invoke("run", "quick-demo", "--instant")
    assert code == 0, stderr
    code, stdout, stderr = invoke("report", str(out))
    assert (code, stdout) == (0, f"wrote {out} (0 sessions)\n"), stderr
    assert "1 simulated session" in out.read_text()
