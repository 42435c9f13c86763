"""`cybex purl`: Cybex's own package URL cases (Tests/CybexFormatsTests/Fixtures/purl-cases.json, written from
the purl specification, its type definitions and the kinds of case its test suite has) read through the
command line, all in one process from standard input: each valid one prints its canonical form and
components, each invalid one an error line, and the command exits 1 because some are invalid.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import cli

FIXTURES = Path(__file__).resolve().parents[1] / "CybexFormatsTests" / "Fixtures" / "purl-cases.json"


def test_every_own_case_through_the_command_line() -> None:
    cases = json.loads(FIXTURES.read_text(encoding="utf-8"))
    assert len(cases) >= 140
    # One per line: the cases whose text holds a line break or leading/trailing blanks stay in the Swift tests.
    cases = [c for c in cases if c["purl"] and "\n" not in c["purl"] and c["purl"] == c["purl"].strip()]
    r = cli(["purl"], None, stdin="".join(c["purl"] + "\n" for c in cases))
    lines = r.stdout.splitlines()
    assert len(lines) == len(cases), r.stderr
    assert r.returncode == 1  # some cases are invalid
    for case, line in zip(cases, lines):
        got = json.loads(line)
        if case.get("invalid"):
            assert got.get("input") == case["purl"] and got.get("error"), (case, got)
            continue
        assert "error" not in got, (case, got)
        assert got["purl"] == case["canonical"], (case, got)
        for key in ("type", "namespace", "name", "version", "subpath"):
            assert got[key] == case[key], (key, case, got)
        assert got["qualifiers"] == case["qualifiers"], (case, got)


def test_arguments_and_exit_status() -> None:
    r = cli(["purl", "pkg:PyPI/Flask_Login@0.6.3", "pkg:git/gitlab.com/gitlab-org/gitaly@v16.11.1"], None)
    assert r.returncode == 0, r.stderr
    first, second = (json.loads(line) for line in r.stdout.splitlines())
    assert first["purl"] == "pkg:pypi/flask-login@0.6.3" and first["namespace"] is None
    assert second["namespace"] == "gitlab.com" and second["name"] == "gitlab-org/gitaly"
    bad = cli(["purl", "pkg:chrome-extension/dogs"], None)
    assert bad.returncode == 1
    assert "32 letters" in json.loads(bad.stdout)["error"]
