"""The summary's `not ok` lines say why a run is listed, also when it neither failed nor finished."""

from __future__ import annotations

from extendpipe.output import summary_lines


def _row(path, status, outcome, message=None):
    return {"step": "texts", "path": path, "status": status, "outcome": outcome, "success": False,
            "failureMessage": message, "failureReason": None}


def test_unfinished_runs_say_what_a_rerun_does():
    rows = [_row("docs/a.txt", "PENDING", "submitted"), _row("docs/b.txt", None, "not_submitted"),
            _row("docs/c.txt", "PROCESSING", "timed_out"), _row("docs/d.txt", "FAILED", "submitted", "bad PDF")]
    report = {"manifest": {"pipeline": "p"}, "durationSeconds": 1.0, "error": None, "runs": rows,
              "summary": {"total": 4, "succeeded": 0, "failed": 4, "byStatus": {}, "byOutcome": {}}}
    assert [line for line in summary_lines(report, "r.json") if "not ok" in line] == [
        "  not ok: texts  docs/a.txt: PENDING: submitted, not final when apply stopped waiting (a rerun waits for it)",
        "  not ok: texts  docs/b.txt: no run: not submitted (a rerun submits it)",
        "  not ok: texts  docs/c.txt: PROCESSING: timed_out, not final when apply stopped waiting (a rerun waits "
        "for it)",
        "  not ok: texts  docs/d.txt: FAILED: bad PDF",
    ]
