"""Totals of a scripts/test run: per-suite counts from the JUnit reports and check records in
the results folder, for the suites the run's status file lists (name, exit code, seconds), and
one closing line, "tests: N passed, N failed, N skipped".
Exits 1 when any suite failed, even one that crashed before writing a report.

    summarize-results.py RESULTS STATUS_FILE     the totals of one run (scripts/test)
    summarize-results.py --github [--no-annotations] DIR...
        for a CI job: every report under the folders (downloaded artifacts too) as a Markdown job
        summary ($GITHUB_STEP_SUMMARY, else stdout) and one ::error annotation per failed test
        (at most 10, GitHub's limit per step) unless --no-annotations; exits 0"""

from __future__ import annotations

import html
import json
import os
import re
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


# ----------------------------------------------------------------------------------------------
# --github: a job summary people read and annotations on the pull request's checks
# ----------------------------------------------------------------------------------------------

MAX_ANNOTATIONS = 10  # GitHub shows at most 10 error annotations per step
MAX_DETAILS = 4000  # characters of a failure's text in the summary


def outcome_of(case: ET.Element) -> tuple[str, str, str]:
    """(passed|failed|skipped, one-line message, full text) of a JUnit testcase."""
    for tag in ("failure", "error"):
        found = case.find(tag)
        if found is not None:
            text = (found.text or "").strip()
            message = (found.get("message") or text or tag).strip().splitlines()
            return "failed", (message[0] if message else tag), text or (found.get("message") or "")
    if case.find("skipped") is not None:
        return "skipped", "", ""
    return "passed", "", ""


def report_suite(name: str, suites: list[str]) -> str:
    """A report's suite: a known suite name it starts with, else its name up to the first dash
    ("backend-junit.xml" from the pytest action is "backend")."""
    return suite_of(name, suites) or re.split(r"[-.]", name, maxsplit=1)[0]


def collect(folders: list[Path]) -> tuple[dict[str, dict[str, int]], list[dict[str, str]], dict[str, tuple[str, str]]]:
    """Counts per suite, the failures, and each suite's script result from its status file."""
    statuses: dict[str, tuple[str, str]] = {}
    files = sorted({f for folder in folders for f in folder.rglob("*") if f.is_file()})
    for status_file in sorted(
        (f for f in files if re.fullmatch(r"suites-\d+\.tsv", f.name)), key=lambda f: f.stat().st_mtime
    ):
        for line in status_file.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                statuses[parts[0]] = (parts[1], parts[2])
    suites = list(statuses)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"passed": 0, "failed": 0, "skipped": 0})
    failures: list[dict[str, str]] = []
    for report in (f for f in files if f.suffix == ".xml"):
        suite = report_suite(report.name, suites)
        try:
            root = ET.parse(report).getroot()
        except ET.ParseError as error:
            counts[suite]["failed"] += 1
            failures.append({"suite": suite, "name": report.name, "message": f"unreadable report: {error}", "text": ""})
            continue
        for case in root.iter("testcase"):
            outcome, message, text = outcome_of(case)
            counts[suite][outcome] += 1
            if outcome == "failed":
                failures.append(
                    {
                        "suite": suite,
                        "name": case.get("name") or case.get("classname") or "?",
                        "message": message,
                        "text": text,
                    }
                )
    for record in (f for f in files if f.name.endswith("-checks.jsonl")):
        suite = report_suite(record.name, suites)
        for line in record.read_text().splitlines():
            if not line.strip():
                continue
            check = json.loads(line)
            passed = check.get("status") == 0
            counts[suite]["passed" if passed else "failed"] += 1
            if not passed:
                failures.append(
                    {
                        "suite": suite,
                        "name": str(check.get("name")),
                        "message": f"check exited {check.get('status')}",
                        "text": "",
                    }
                )
    for name, (rc, _) in statuses.items():
        if rc != "0" and counts[name]["failed"] == 0:
            counts[name]["failed"] += 1
            failures.append(
                {
                    "suite": name,
                    "name": f"suite {name}",
                    "message": f"the suite exited {rc} before reporting a failed test",
                    "text": "",
                }
            )
    return counts, failures, statuses


def fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in the text."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def markdown(
    counts: dict[str, dict[str, int]], failures: list[dict[str, str]], statuses: dict[str, tuple[str, str]]
) -> str:
    total = {k: sum(c[k] for c in counts.values()) for k in ("passed", "failed", "skipped")}
    mark = "❌" if total["failed"] else "✅"
    lines = [
        "## Test results",
        "",
        f"**{mark} {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped**"
        f" in {len(counts)} suite(s).",
        "",
        "| Suite | Result | Passed | Failed | Skipped | Time |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name in sorted(counts):
        c = counts[name]
        rc, seconds = statuses.get(name, ("", ""))
        result = "❌ failed" if c["failed"] or (rc not in ("", "0")) else "✅ passed"
        time = f"{seconds} s" if seconds else ""
        lines.append(f"| {html.escape(name)} | {result} | {c['passed']} | {c['failed']} | {c['skipped']} | {time} |")
    if failures:
        lines += ["", "### Failures", ""]
        for f in failures:
            title = html.escape(f"{f['suite']}: {f['name']}")
            body = f["text"] or f["message"]
            if len(body) > MAX_DETAILS:
                body = body[:MAX_DETAILS] + f"\n… (cut at {MAX_DETAILS} characters; the job log has it all)"
            block = fence(body)
            lines += [f"<details><summary>❌ {title}</summary>", "", f"{block}text", body, block, "", "</details>", ""]
    return "\n".join(lines) + "\n"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(failures: list[dict[str, str]]) -> list[str]:
    shown = [
        f"::error title={escape_property(f['suite'] + ': ' + f['name'])[:200]}::{escape_data(f['message'])[:1000]}"
        for f in failures[:MAX_ANNOTATIONS]
    ]
    if len(failures) > MAX_ANNOTATIONS:
        shown.append(
            f"::error title=More failed tests::{len(failures) - MAX_ANNOTATIONS} more failed tests:"
            " see the job summary."
        )
    return shown


def github(folders: list[Path], with_annotations: bool = True) -> int:
    counts, failures, statuses = collect([f for f in folders if f.is_dir()])
    text = markdown(counts, failures, statuses)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as out:
            out.write(text)
    else:
        print(text)
    for line in annotations(failures) if with_annotations else []:
        print(line)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--github":
        args = sys.argv[2:]
        quiet = "--no-annotations" in args
        sys.exit(github([Path(p) for p in args if p != "--no-annotations"], with_annotations=not quiet))
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
