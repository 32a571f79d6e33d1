"""Totals of a scripts/test run: per-suite counts from the JUnit reports and check records in
the results folder, for the suites the run's status file lists (name, exit code, seconds), and
one closing line, "tests: N passed, N failed, N skipped".
Exits 1 when any suite failed, even one that crashed before writing a report."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path


def suite_of(filename: str, suites: list[str]) -> str | None:
    """The suite a report belongs to: reports are named "<suite>-<anything>" and suite names
    may themselves contain dashes ("python-actions"), so the longest matching name wins."""
    matches = [name for name in suites if filename.startswith(f"{name}-")]
    return max(matches, key=len) if matches else None


def main(results: Path, status_file: Path) -> int:
    statuses = [line.split("\t") for line in status_file.read_text().splitlines() if line.strip()]
    suites = [name for name, _, _ in statuses]
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"passed": 0, "failed": 0, "skipped": 0})
    for report in sorted(results.glob("*.xml")):
        suite = suite_of(report.name, suites)
        if suite is None:
            continue
        try:
            root = ET.parse(report).getroot()
        except ET.ParseError as error:
            print(f"unreadable report {report.name}: {error}", file=sys.stderr)
            counts[suite]["failed"] += 1
            continue
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                counts[suite]["failed"] += 1
            elif case.find("skipped") is not None:
                counts[suite]["skipped"] += 1
            else:
                counts[suite]["passed"] += 1
    for record in sorted(results.glob("*-checks.jsonl")):
        suite = suite_of(record.name, suites)
        if suite is None:
            continue
        for line in record.read_text().splitlines():
            outcome = json.loads(line)
            counts[suite]["passed" if outcome["status"] == 0 else "failed"] += 1

    exit_code = 0
    rows = []
    for name, rc, seconds in statuses:
        c = counts[name]
        if rc != "0":
            exit_code = 1
            if c["failed"] == 0:
                c["failed"] += 1  # a suite that crashed before reporting still failed
        rows.append((name, "ok" if rc == "0" else f"FAILED (exit {rc})", c, seconds))

    print()
    print(f"{'suite':<20} {'result':<18} {'passed':>7} {'failed':>7} {'skipped':>8} {'time':>7}")
    for name, result, c, seconds in rows:
        print(f"{name:<20} {result:<18} {c['passed']:>7} {c['failed']:>7} {c['skipped']:>8} {seconds:>6}s")
    total = {k: sum(c[k] for _, _, c, _ in rows) for k in ("passed", "failed", "skipped")}
    print()
    print(f"tests: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    # A failure counted from a report fails the run even if its suite's script exited 0.
    return 1 if total["failed"] else exit_code


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
