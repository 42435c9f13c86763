"""`cybex org set`: changing an existing organisation's parent and default TLP level."""
from __future__ import annotations

from pathlib import Path

from conftest import cli, cli_ok


def orgs(data: Path) -> dict[str, tuple[str, str]]:
    rows = [line.split("\t") for line in cli_ok(["org", "list"], data).splitlines()]
    return {row[1]: (row[2], row[3]) for row in rows}


def test_org_set_parent_and_default_tlp(tmp_path: Path):
    data = tmp_path / "node"
    cli_ok(["org", "add", "national-cirt"], data)
    cli_ok(["org", "add", "isp", "--parent", "national-cirt"], data)
    assert orgs(data) == {"national-cirt": ("-", "-"), "isp": ("national-cirt", "-")}

    # a cycle is refused and changes nothing
    r = cli(["org", "set", "national-cirt", "--parent", "isp"], data)
    assert r.returncode == 1 and r.stderr.startswith("cybex: error:") and "cycle" in r.stderr
    assert orgs(data)["national-cirt"] == ("-", "-")

    cli_ok(["org", "set", "isp", "--no-parent", "--default-tlp", "amber+strict"], data)
    assert orgs(data)["isp"] == ("-", "amber+strict")
    cli_ok(["org", "set", "national-cirt", "--parent", "isp"], data)
    cli_ok(["org", "set", "isp", "--no-default-tlp"], data)
    assert orgs(data) == {"national-cirt": ("isp", "-"), "isp": ("-", "-")}

    # usage errors: nothing to change, contradictory flags, unknown level
    for args in (["org", "set", "isp"], ["org", "set", "isp", "--parent", "x", "--no-parent"],
                 ["org", "set", "isp", "--default-tlp", "purple"]):
        r = cli(args, data)
        assert r.returncode == 2, args
    r = cli(["org", "set", "nobody", "--no-parent"], data)
    assert r.returncode == 1 and "no organisation named 'nobody'" in r.stderr
    actions = [line.split("\t")[2] for line in cli_ok(["audit", "list"], data).splitlines()]
    assert actions.count("organisation.set-parent") == 2 and actions.count("organisation.set-default-tlp") == 2
