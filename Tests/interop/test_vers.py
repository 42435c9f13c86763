"""`cybex vers`: Debian version order against dpkg itself (`dpkg --compare-versions`, on every Debian
machine), through ranges: for random pairs of Debian versions (epochs, tildes, letters, plus signs,
revisions), `vers:deb/>=A` holds B exactly when dpkg says B >= A. Also the CLI's refusals.
"""

from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from conftest import cli, require_binary

PAIRS = 400


def random_version(rng: random.Random) -> str:
    def part() -> str:
        pieces = [str(rng.randint(0, 12))]
        for _ in range(rng.randint(0, 3)):
            pieces.append(rng.choice([".", ".", "+", "~", ""]))
            pieces.append(rng.choice([str(rng.randint(0, 30)), "rc", "b", "a", "git", "dfsg", str(rng.randint(0, 9))]))
        return "".join(pieces).rstrip(".+")
    version = part()
    if rng.random() < 0.2:
        version = f"{rng.randint(0, 3)}:{version}"
    if rng.random() < 0.5:
        version += f"-{rng.randint(0, 12)}" + rng.choice(["", "ubuntu1", "+deb12u1", "~bpo1"])
    return version


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg is not installed")
def test_debian_order_matches_dpkg() -> None:
    rng = random.Random(20261205)
    pairs = []
    while len(pairs) < PAIRS:
        a, b = random_version(rng), random_version(rng)
        if subprocess.run(["dpkg", "--compare-versions", a, "eq", b]).returncode == 0:
            continue
        if any(c in a for c in "<>=!*|%") or any(c in b for c in "<>=!*|%"):
            continue
        pairs.append((a, b))
    mismatches = []
    for a, b in pairs:
        expected = subprocess.run(["dpkg", "--compare-versions", b, "ge", a]).returncode == 0
        out = subprocess.run([require_binary(), "vers", f"vers:deb/>={a}", b], capture_output=True, text=True,
                             timeout=30)
        assert out.returncode == 0, out.stderr
        got = out.stdout.splitlines()[1].split("\t")[0] == "in"
        if got != expected:
            mismatches.append((a, b, expected))
    assert not mismatches, f"{len(mismatches)} of {PAIRS} differ from dpkg, first: {mismatches[:5]}"


def test_ranges_from_the_command_line() -> None:
    out = subprocess.run([require_binary(), "vers", "vers:npm/1.2.3|>=2.0.0|<5.0.0", "1.2.3", "1.5.0", "4.0.0", "5.0.0"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    assert out.stdout.splitlines() == ["vers:npm/1.2.3|>=2.0.0|<5.0.0", "in\t1.2.3", "out\t1.5.0", "in\t4.0.0",
                                       "out\t5.0.0"]
    unknown = subprocess.run([require_binary(), "vers", "vers:pypi/>=1.0", "1.1"], capture_output=True, text=True)
    assert unknown.stdout.splitlines()[1] == "unknown\t1.1"
    for bad in ["vers:npm/>=2.0.0|<1.0.0", "vers:npm/1.0.0 ", "vers:npm/*|1.0.0", "npm/1.0.0"]:
        r = cli(["vers", bad], None)
        assert r.returncode == 1 and bad.strip() in r.stderr, (bad, r.stderr)
