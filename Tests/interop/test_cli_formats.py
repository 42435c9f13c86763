"""`cybex import` of every document form: a bundle, a TAXII envelope, one object, JSON Lines (by
name, by --format and on standard input), each with TLP:RED recipients resolved as over TAXII; an
invalid line of JSON Lines refuses the whole file with its line number and stores nothing."""
from __future__ import annotations

import json
import uuid
from pathlib import Path

from conftest import cli, cli_ok

RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
EXTENSION = "extension-definition--25b68b3b-f3c1-407d-99a2-dadbcff17b84"


def indicator(n: int, markings: list[str] | None = None) -> dict:
    obj = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=n, version=4)}",
           "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": f"i{n}",
           "pattern": f"[ipv4-addr:value = '198.51.100.{n % 250}']", "pattern_type": "stix",
           "valid_from": "2026-01-01T00:00:00Z"}
    if markings:
        obj["object_marking_refs"] = markings
    return obj


def distribution(n: int, recipients: list[str]) -> dict:
    return {"type": "marking-definition", "spec_version": "2.1", "id": f"marking-definition--{uuid.UUID(int=n, version=4)}",
            "created": "2026-01-01T00:00:00.000Z", "name": f"recipients {n}",
            "extensions": {EXTENSION: {"extension_type": "property-extension", "recipients": recipients}}}


def exported(data: Path, cid: str, for_org: str | None = None) -> set[str]:
    args = ["export", "--collection", cid] + (["--for", for_org] if for_org else [])
    return {o["id"] for o in json.loads(cli_ok(args, data)).get("objects", [])}


def test_every_document_form_imports_with_recipients(tmp_path: Path):
    data = tmp_path / "node"
    for org in ("cert", "isp", "other"):
        cli_ok(["org", "add", org], data)
    cid = cli_ok(["collection", "add", "forms", "--read", "cert", "--read", "isp", "--read", "other",
                  "--write", "cert"], data).strip()

    # Each form carries a TLP:RED object addressed to isp through a distribution marking of its own.
    n = 100
    documents: dict[str, tuple[str, str, list[str]]] = {}  # file name -> (text, --format or "", ids)
    for form in ("bundle", "envelope", "object", "jsonl-by-name", "jsonl-by-format", "jsonl-stdin"):
        n += 10
        marking = distribution(n, ["isp"])
        red = indicator(n + 1, [RED, marking["id"]])
        plain = indicator(n + 2)
        if form == "bundle":
            text = json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [marking, red, plain]})
            documents["forms.json"] = (text, "", [marking["id"], red["id"], plain["id"]])
        elif form == "envelope":
            documents["envelope.json"] = (json.dumps({"objects": [marking, red, plain]}), "",
                                          [marking["id"], red["id"], plain["id"]])
        elif form == "object":
            # One object alone, pretty-printed as the specification's examples are.
            documents["object.json"] = (json.dumps(plain, indent=2), "", [plain["id"]])
        else:
            text = "\n".join(json.dumps(o) for o in (marking, red, plain)) + "\n\n"
            name = {"jsonl-by-name": "lines.jsonl", "jsonl-by-format": "lines.txt", "jsonl-stdin": "-"}[form]
            documents[name] = (text, "jsonl" if form == "jsonl-by-format" else "", [marking["id"], red["id"], plain["id"]])

    red_ids: set[str] = set()
    for name, (text, fmt, ids) in documents.items():
        args = ["import", "--collection", cid] + (["--format", fmt] if fmt else [])
        if name == "-":
            out = cli_ok(args + ["-"], data, stdin=text)
        else:
            path = tmp_path / name
            path.write_text(text)
            out = cli_ok(args + [str(path)], data)
        assert f"{len(ids)} added" in out, (name, out)
        if len(ids) == 3:
            red_ids.add(ids[1])

    everything = exported(data, cid)
    assert all(i in everything for _, _, ids in documents.values() for i in ids)
    # TLP:RED recipients were resolved on every form, as over TAXII: isp sees the red objects, other does not.
    assert red_ids <= exported(data, cid, "isp")
    assert not (red_ids & exported(data, cid, "other"))
    # Each file committed with an audit entry of its own.
    imports = [line for line in cli_ok(["audit", "list", "--action", "objects.import"], data).splitlines()]
    assert len([line for line in imports if "added" in line]) == len(documents)


def test_an_invalid_line_refuses_the_whole_file(tmp_path: Path):
    data = tmp_path / "node"
    cli_ok(["org", "add", "cert"], data)
    cid = cli_ok(["collection", "add", "lines", "--read", "cert", "--write", "cert"], data).strip()
    lines = [json.dumps(indicator(1)), json.dumps(indicator(2)), "", '{"type": "indicator", "id": ', json.dumps(indicator(4))]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n")
    r = cli(["import", "--collection", cid, str(path)], data)
    assert r.returncode == 1
    assert "line 4" in r.stderr, r.stderr
    assert exported(data, cid) == set()

    # A bundle on a line is refused too, named by its line; a single object is not a bundle.
    path.write_text(json.dumps(indicator(1)) + "\n" + json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": []}) + "\n")
    r = cli(["import", "--collection", cid, str(path)], data)
    assert r.returncode == 1 and "line 2" in r.stderr, r.stderr
    single = tmp_path / "single.json"
    single.write_text(json.dumps(indicator(7)))
    r = cli(["import", "--collection", cid, "--format", "bundle", str(single)], data)
    assert r.returncode == 1 and "bundle" in r.stderr
    assert exported(data, cid) == set()


def test_a_large_jsonl_file_is_read_in_blocks_and_reports_only_its_rejections(tmp_path: Path):
    """A regular file of JSON Lines is read a few MiB at a time, never whole: 20,000 objects (7 MB)
    and one line of 5 MiB, longer than a block, all land; an invalid object is listed by id, the
    others are counted."""
    data = tmp_path / "node"
    cli_ok(["org", "add", "cert"], data)
    cid = cli_ok(["collection", "add", "big", "--read", "cert", "--write", "cert"], data).strip()
    objects = [indicator(n) for n in range(1, 20_001)]
    objects[12_344]["description"] = "d" * (5 << 20)
    del objects[15_000]["pattern"]
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in objects))
    out = cli_ok(["import", "--collection", cid, str(path)], data)
    assert "20000 objects: 19999 added, 0 new versions, 0 duplicates, 1 rejected" in out, out
    rejected = [line for line in out.splitlines() if line.strip().startswith("rejected")]
    assert len(rejected) == 1 and objects[15_000]["id"] in rejected[0] and "pattern" in rejected[0], rejected
    stored = exported(data, cid)
    assert len(stored) == 19_999 and objects[12_344]["id"] in stored and objects[15_000]["id"] not in stored
