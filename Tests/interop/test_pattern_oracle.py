"""Oracle agreement: `cybex pattern match --stdin` and stix2-matcher 3.0.0 on the same pairs.

A seeded generator writes PAIRS pattern / observed-data pairs: small worlds of observed-data (1 to 4,
number_observed 1 to 3, times a few seconds apart, some spans) with their SCOs (files, directories,
IPv4 addresses, network traffic with src_ref/dst_ref, domain names with resolves_to_refs, e-mail,
artifacts, processes), most in STIX 2.1 form (object_refs, checked with stix_version="2.1"), some in the
deprecated embedded form (objects, checked with stix_version="2.0"); and patterns over them with every
comparison operator and NOT, AND/OR/parentheses, the observation operators AND/OR/FOLLOWEDBY, the
qualifiers WITHIN/REPEATS/START-STOP, references, lists with [n] and [*], CIDR ranges, hex, binary and
timestamp constants. stix2-matcher runs in-process on each pair, cybex once for all of them; they
must agree on every pair, and about half of the pairs must match.

Left out of the generator, where stix2-matcher 3.0.0 departs from the STIX 2.1 specification
(docs/CORRELATION.md lists them; our unit tests cover the specification's side):
- WITHIN at exactly the window: section 9.5.1 says the latest observation MUST be before the earliest
  plus the window; stix2-matcher's `_timestamp_intervals_within` accepts "touching" (<=). Integer windows
  are moved off every difference the observations' times can make; others end in .5.
- NOT EXISTS, and EXISTS joined with AND/OR (section 9.6.1): stix2-matcher has no exitPropTestExists, so
  NOT is ignored and EXISTS beside another comparison raises a TypeError. EXISTS stands alone here.
- IPv6 and /0 in ISSUBSET/ISSUPERSET (section 9.6.1 names ipv6-addr): stix2-matcher reads IPv4 with
  inet_aton only and refuses a /0 or a bare address as the container; here only IPv4 paths, prefixes /1-/32,
  and ISSUPERSET only where every address value is a CIDR.
- MATCHES/LIKE across line breaks (section 9.6.1 requires DOTALL): no value holds a line break.
- IN between a string set and octets, or 1 and true (section 9.6.1, "equal to one of the values"):
  Python set membership differs from equality there; no such pairs.
test_documented_deviations pins each of these with one pair, stix2-matcher's answer and ours.
"""

from __future__ import annotations

import base64
import json
import random
import re
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from conftest import require_binary

stix2matcher = pytest.importorskip("stix2matcher.matcher")
from stix2patterns.exceptions import ParseException  # noqa: E402  (installed with stix2-matcher)

SEED = 20_240_915
PAIRS = 1_200
BASE = datetime(2020, 1, 1, tzinfo=timezone.utc)

NAMES = ["a.exe", "b.dll", "report.pdf", "setup.exe", "Notes.txt", "\u00e9t\u00e9.doc", "e\u0301te\u0301.doc", "x"]
PATHS = ["C:\\Windows", "C:\\Windows\\System32", "/tmp", "/home/alice"]
DOMAINS = ["evil.example", "www.5z8.info", "mail.example.org", "c2.example.net"]
EMAILS = ["jdoe@example.com", "alice@example.org", "mallory@evil.example"]
SUBJECTS = ["Conference Info", "Invoice", "Re: lunch", "Final Report 2020"]
PROCESSES = ["cmd.exe", "powershell.exe", "svchost.exe", "bash"]
COMMANDS = ["cmd.exe /c whoami", "powershell -enc AAAA", "bash -c id", "svchost.exe -k netsvcs"]
PROTOCOLS = ["ipv4", "tcp", "udp", "http", "dns"]
PAYLOADS = [b"this is a test", b"MZ\x90\x00header", b"GET / HTTP/1.1", b"\xd4\xc3\xb2\xa1pcap"]
MAGIC = ["ffd8", "4d5a", "7f454c46", "25504446"]
MD5 = ["79054025255fb1a26e4bc422aef54eb4", "cead3f77f6cda6ec00f57d76c9a6879f", "22a0fb8f3879fb569f8a3ff65850a82e"]
SHA256 = ["aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
          "bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c"]
NETWORKS = ["198.51.100.0", "203.0.113.0", "192.0.2.0", "10.1.0.0"]

# (type, path as written, kind of value) — the comparisons the generator draws from.
CATALOG = [
    ("file", "name", "str"), ("file", "size", "int"), ("file", "hashes.MD5", "str"),
    ("file", "hashes.'SHA-256'", "str"), ("file", "mtime", "ts"), ("file", "magic_number_hex", "bin"),
    ("file", "parent_directory_ref.path", "str"),
    ("directory", "path", "str"), ("directory", "contains_refs[*].name", "str"),
    ("directory", "contains_refs[0].size", "int"),
    ("ipv4-addr", "value", "ip"),
    ("network-traffic", "src_ref.value", "ip"), ("network-traffic", "dst_ref.value", "ip"),
    ("network-traffic", "dst_port", "int"), ("network-traffic", "protocols[*]", "str"),
    ("network-traffic", "protocols[0]", "str"), ("network-traffic", "dst_ref.type", "str"),
    ("domain-name", "value", "str"), ("domain-name", "resolves_to_refs[*].value", "ip"),
    ("email-message", "from_ref.value", "str"), ("email-message", "subject", "str"),
    ("artifact", "payload_bin", "bin"),
    ("process", "name", "str"), ("process", "pid", "int"), ("process", "command_line", "str"),
]
OPERATORS = {
    "str": ["=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES"],
    "int": ["=", "!=", "<", "<=", ">", ">=", "IN"],
    "ts": ["=", "!=", "<", "<=", ">", ">=", "IN"],
    "ip": ["=", "!=", "IN", "ISSUBSET", "ISSUBSET", "ISSUPERSET", "LIKE", "MATCHES"],
    "bin": ["=", "!=", "<", ">", "IN", "LIKE", "MATCHES"],
}


def quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def stamp(moment: datetime) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += "." + f"{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def regex_escape(text: str) -> str:
    """Escapes only what both Python's re and ICU treat as special, the same way in both."""
    return "".join("\\" + c if c in ".^$*+?()[]{}|\\/" else c for c in text)


class World:
    """Observations and their SCOs, in both the 2.1 (object_refs) and the deprecated (objects) form."""

    def __init__(self, rng: random.Random, embedded: bool):
        self.rng = rng
        self.embedded = embedded
        self.cidr = rng.random() < 0.4
        self.observations: list[dict] = []  # {"first", "last", "n", "objects": [sco], "roots": [sco]}
        count = rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
        moment = BASE + timedelta(seconds=rng.randrange(0, 30))
        for _ in range(count):
            span = rng.choice([0, 0, 0, 5, 20])
            n = rng.choice([1, 1, 1, 1, 2, 3])
            objects: list[dict] = []
            for _ in range(rng.choice([1, 1, 2, 3])):
                self.add_root(objects)
            self.observations.append({"first": moment, "last": moment + timedelta(seconds=span), "n": n,
                                      "objects": objects})
            moment += timedelta(seconds=rng.choice([0, 3, 10, 10, 30, 60]))
        self.rng.shuffle(self.observations)

    def uid(self, kind: str) -> str:
        return f"{kind}--{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def ip(self) -> str:
        network = self.rng.choice(NETWORKS)
        address = network.rsplit(".", 1)[0] + "." + str(self.rng.choice([1, 7, 33, 100, 200]))
        if self.cidr:
            prefix = self.rng.choice([16, 24, 27, 30, 32])
            return f"{address}/{prefix}"
        return address

    def sco(self, objects: list[dict], kind: str, **properties) -> dict:
        obj = {"type": kind, "id": self.uid(kind), **properties}
        objects.append(obj)
        return obj

    def add_root(self, objects: list[dict]) -> None:
        r = self.rng
        kind = r.choice(["file", "file", "directory", "ipv4-addr", "network-traffic", "network-traffic",
                         "domain-name", "email-message", "artifact", "process"])
        if kind == "file":
            properties = {"name": r.choice(NAMES), "size": r.choice([0, 100, 1024, 4096, 371712])}
            if r.random() < 0.6:
                properties["hashes"] = {"MD5": r.choice(MD5)}
                if r.random() < 0.5:
                    properties["hashes"]["SHA-256"] = r.choice(SHA256)
            if r.random() < 0.6:
                properties["mtime"] = stamp(BASE + timedelta(seconds=r.randrange(0, 100),
                                                             microseconds=r.choice([0, 0, 500000])))
            if r.random() < 0.4:
                properties["magic_number_hex"] = r.choice(MAGIC)
            if r.random() < 0.4:
                directory = self.sco(objects, "directory", path=r.choice(PATHS))
                properties["parent_directory_ref"] = directory["id"]
            self.sco(objects, "file", **properties)
        elif kind == "directory":
            files = [self.sco(objects, "file", name=r.choice(NAMES), size=r.choice([0, 100, 1024]))
                     for _ in range(r.choice([1, 2]))]
            refs = [f["id"] for f in files]
            if r.random() < 0.2:
                refs.insert(0, self.uid("file"))  # a reference that does not resolve
            self.sco(objects, "directory", path=r.choice(PATHS), contains_refs=refs)
        elif kind == "ipv4-addr":
            self.sco(objects, "ipv4-addr", value=self.ip())
        elif kind == "network-traffic":
            properties = {"protocols": r.sample(PROTOCOLS, r.choice([1, 2, 3])),
                          "dst_port": r.choice([22, 53, 80, 443, 8080])}
            for ref in ("src_ref", "dst_ref"):
                if r.random() < 0.8:
                    properties[ref] = self.sco(objects, "ipv4-addr", value=self.ip())["id"]
            self.sco(objects, "network-traffic", **properties)
        elif kind == "domain-name":
            addresses = [self.sco(objects, "ipv4-addr", value=self.ip())["id"] for _ in range(r.choice([0, 1, 2]))]
            properties = {"value": r.choice(DOMAINS)}
            if addresses:
                properties["resolves_to_refs"] = addresses
            self.sco(objects, "domain-name", **properties)
        elif kind == "email-message":
            sender = self.sco(objects, "email-addr", value=r.choice(EMAILS))
            self.sco(objects, "email-message", is_multipart=False, from_ref=sender["id"],
                     subject=r.choice(SUBJECTS))
        elif kind == "artifact":
            self.sco(objects, "artifact", payload_bin=base64.b64encode(r.choice(PAYLOADS)).decode())
        else:
            self.sco(objects, "process", name=r.choice(PROCESSES), pid=r.choice([4, 1000, 4242]),
                     command_line=r.choice(COMMANDS))

    # ------------------------------------------------------------------ values the paths select
    def values(self, kind: str, path: str) -> list:
        out = []
        for observation in self.observations:
            by_id = {o["id"]: o for o in observation["objects"]}
            for root in observation["objects"]:
                if root["type"] == kind:
                    out += self.walk([root], path, by_id)
        return out

    @staticmethod
    def walk(values: list, path: str, by_id: dict) -> list:
        for step in re.findall(r"'[^']*'|\[[^\]]*\]|[A-Za-z_][A-Za-z0-9_]*", path):
            nxt = []
            for value in values:
                if step.startswith("["):
                    if isinstance(value, list):
                        nxt += value if step == "[*]" else value[int(step[1:-1]):int(step[1:-1]) + 1]
                    continue
                key = step.strip("'")
                if not isinstance(value, dict) or key not in value:
                    continue
                member = value[key]
                if key.endswith("_ref"):
                    if member in by_id:
                        nxt.append(by_id[member])
                elif key.endswith("_refs"):
                    resolved = [by_id[m] for m in member if m in by_id]
                    if resolved:
                        nxt.append(resolved)
                else:
                    nxt.append(member)
            values = nxt
        return values

    # ------------------------------------------------------------------ the two input forms
    def as_objects(self) -> list[dict]:
        """STIX 2.1: observed-data with object_refs, the SCOs beside them (and an unreferenced decoy)."""
        out: list[dict] = []
        for observation in self.observations:
            out.append({
                "type": "observed-data", "spec_version": "2.1", "id": self.uid("observed-data"),
                "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
                "first_observed": stamp(observation["first"]), "last_observed": stamp(observation["last"]),
                "number_observed": observation["n"], "object_refs": [o["id"] for o in observation["objects"]],
            })
        for observation in self.observations:
            out += observation["objects"]
        out.append({"type": "file", "id": self.uid("file"), "name": "a.exe", "size": 100})
        return out

    def as_embedded(self) -> list[dict]:
        """The deprecated form: each observed-data with its objects dictionary, references by key."""
        out: list[dict] = []
        for observation in self.observations:
            keys = {o["id"]: str(i) for i, o in enumerate(observation["objects"])}

            def rekey(value):
                if isinstance(value, str) and value in keys:
                    return keys[value]
                if isinstance(value, list):
                    return [rekey(v) for v in value]
                if isinstance(value, dict):
                    return {k: rekey(v) for k, v in value.items() if k != "id"}
                return value

            out.append({
                "type": "observed-data", "id": self.uid("observed-data"),
                "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
                "first_observed": stamp(observation["first"]), "last_observed": stamp(observation["last"]),
                "number_observed": observation["n"],
                "objects": {keys[o["id"]]: rekey(o) for o in observation["objects"]},
            })
        return out


class Patterns:
    """Patterns over a world, about half of them matching it."""

    def __init__(self, rng: random.Random, world: World):
        self.rng = rng
        self.world = world
        self.features: set[str] = set()

    def literal(self, kind: str, value):
        r = self.rng
        if kind == "int":
            if value is None or r.random() < 0.3:
                value = r.choice([0, 22, 100, 443, 1000, 1024, 4096])
            return (f"{value}.0" if r.random() < 0.2 else str(value)), value
        if kind == "ts":
            moment = BASE + timedelta(seconds=r.randrange(0, 100))
            if value is not None and r.random() < 0.6:
                moment = datetime.strptime(value.replace("Z", "+0000"),
                                           "%Y-%m-%dT%H:%M:%S.%f%z" if "." in value else "%Y-%m-%dT%H:%M:%S%z")
            return f"t'{stamp(moment)}'", moment
        if kind == "bin":
            if value is None or r.random() < 0.3:
                value = r.choice([bytes.fromhex(m) for m in MAGIC] + PAYLOADS)
            form = r.choice(["hex", "binary", "string"]) if all(b < 128 for b in value) else r.choice(["hex", "binary"])
            self.features.add("literal-" + form)
            if form == "hex":
                return f"h'{value.hex()}'", value
            if form == "binary":
                return f"b'{base64.b64encode(value).decode()}'", value
            return quote(value.decode("latin-1")), value
        pool = {"ip": [self.world.ip() for _ in range(3)],
                "str": NAMES + PATHS + DOMAINS + EMAILS + SUBJECTS + PROCESSES + PROTOCOLS}[kind]
        if value is None or not isinstance(value, str) or r.random() < 0.35:
            value = r.choice(pool)
        return quote(value), value

    def comparison(self, kind_type: str | None = None) -> tuple[str, str]:
        """One comparison and its object type."""
        r = self.rng
        present = {o["type"] for obs in self.world.observations for o in obs["objects"]}
        entries = [e for e in CATALOG if (kind_type is None or e[0] == kind_type)]
        preferred = [e for e in entries if e[0] in present]
        type_, path, kind = r.choice(preferred if preferred and r.random() < 0.9 else entries)
        values = self.world.values(type_, path)
        if kind == "bin":
            values = [bytes.fromhex(v) if path.endswith("_hex") else base64.b64decode(v) for v in values]
        value = r.choice(values) if values else None
        ops = list(OPERATORS[kind])
        if kind == "ip" and not self.world.cidr:
            ops.remove("ISSUPERSET")
        if kind == "bin" and not all(self.utf8(v) for v in values):
            ops.remove("LIKE")  # stix2-matcher decodes octets as UTF-8 for LIKE, and raises when it cannot
        op = r.choice(ops)
        self.features.add("op " + op)
        if "_ref" in path:
            self.features.add("reference")
        if "[*]" in path or "[0]" in path:
            self.features.add("list " + ("[*]" if "[*]" in path else "[n]"))
        negated = r.random() < 0.2
        if negated:
            self.features.add("NOT")
        if op == "IN":
            members = [self.literal(kind, value)[0] for _ in range(r.choice([1, 2, 3]))]
            if kind == "bin":
                members = [f"h'{r.choice([bytes.fromhex(m) for m in MAGIC]).hex()}'" for _ in members]
                if value is not None and path.endswith("_hex") and r.random() < 0.6:
                    members.append(f"h'{value.hex()}'")
            operand = "(" + ", ".join(members) + ")"
        elif op == "LIKE":
            operand = quote(self.like(self.text(value)))
        elif op == "MATCHES":
            operand = quote(self.regex(self.text(value)))
        elif op in ("ISSUBSET", "ISSUPERSET"):
            operand = quote(self.network(value, op))
        else:
            operand, _ = self.literal(kind, value)
        if kind == "ts":
            self.features.add("timestamp")
        return f"{type_}:{path} {'NOT ' if negated else ''}{op} {operand}", type_

    @staticmethod
    def text(value) -> str:
        """The text a LIKE or MATCHES operand is made from: a string, or octets as printable text."""
        if isinstance(value, bytes):
            return printable(value.decode("latin-1"))
        return value if isinstance(value, str) else "x"

    @staticmethod
    def utf8(octets: bytes) -> bool:
        try:
            octets.decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False

    def like(self, text: str) -> str:
        r = self.rng
        chars = list(text)
        if not chars or r.random() < 0.2:
            return r.choice(["%", "%.exe", "a%", "_"])
        mode = r.choice(["prefix", "suffix", "middle", "underscore", "exact"])
        if mode == "prefix":
            return "".join(chars[: r.randrange(0, len(chars) + 1)]) + "%"
        if mode == "suffix":
            return "%" + "".join(chars[r.randrange(0, len(chars) + 1):])
        if mode == "middle" and len(chars) > 2:
            i = r.randrange(1, len(chars) - 1)
            return "%" + chars[i] + "%"
        if mode == "underscore":
            i = r.randrange(0, len(chars))
            chars[i] = "_"
        return "".join(chars)

    def regex(self, text: str) -> str:
        r = self.rng
        if not text or r.random() < 0.15:
            return r.choice(["^[a-z]+\\.exe$", "\\d+", "example\\.(com|org)$", "^C:", "s{2}"])
        mode = r.choice(["prefix", "suffix", "inner", "class"])
        if mode == "prefix":
            return "^" + regex_escape(text[: r.randrange(1, len(text) + 1)])
        if mode == "suffix":
            return regex_escape(text[r.randrange(0, len(text)):]) + "$"
        if mode == "inner":
            i = r.randrange(0, len(text))
            return regex_escape(text[i: i + 3])
        classes = ("[0-9]" if c.isdigit() else "." if r.random() < 0.3 else regex_escape(c) for c in text)
        return "^" + "".join(classes) + "$"

    def network(self, value, op: str) -> str:
        r = self.rng
        address = value.split("/")[0] if isinstance(value, str) else r.choice(NETWORKS)
        if r.random() < 0.3:
            address = r.choice(NETWORKS)
        octets = [int(x) for x in address.split(".")]
        if op == "ISSUBSET":
            prefix = r.choice([8, 16, 24, 24, 27, 32])
        else:
            prefix = r.choice([24, 28, 32])
            if r.random() < 0.3:
                return ".".join(map(str, octets))  # a bare address inside the value's range
        return ".".join(map(str, octets)) + f"/{prefix}"

    def comparison_expression(self) -> str:
        r = self.rng
        shape = r.choice(["one", "one", "and", "or", "and-or", "exists"])
        if shape == "exists":
            present = {o["type"] for obs in self.world.observations for o in obs["objects"]}
            type_, path, _ = r.choice([e for e in CATALOG if e[0] in present] or CATALOG)
            self.features.add("op EXISTS")
            return f"EXISTS {type_}:{path}"
        first, type_ = self.comparison()
        if shape == "one":
            return first
        same = type_ if r.random() < 0.85 else None
        second, _ = self.comparison(same)
        if shape == "and":
            self.features.add("comparison AND")
            return f"{first} AND {second}"
        if shape == "or":
            self.features.add("comparison OR")
            return f"{first} OR {second}"
        third, _ = self.comparison(type_)
        self.features.add("comparison parentheses")
        return f"({first} OR {second}) AND {third}" if r.random() < 0.5 else f"{first} AND ({second} OR {third})"

    def observation(self, depth: int = 0) -> str:
        r = self.rng
        if depth >= 2 or r.random() < 0.45:
            expression = "[" + self.comparison_expression() + "]"
        else:
            op = r.choice(["AND", "OR", "FOLLOWEDBY"])
            self.features.add("observation " + op)
            expression = "(" + self.observation(depth + 1) + f" {op} " + self.observation(depth + 1) + ")"
        if r.random() < 0.35:
            expression += " " + self.qualifier()
        return expression

    def qualifier(self) -> str:
        r = self.rng
        kind = r.choice(["WITHIN", "REPEATS", "START"])
        self.features.add("qualifier " + kind)
        if kind == "REPEATS":
            return f"REPEATS {r.choice([1, 2, 2, 3, 4])} TIMES"
        if kind == "WITHIN":
            if r.random() < 0.3:
                return f"WITHIN {r.choice([1, 4, 9, 29, 59])}.5 SECONDS"
            window = r.choice([1, 5, 10, 30, 60, 120])
            # Section 9.5.1 against stix2-matcher's "touching" window: no time difference equals it.
            differences = {int((a["first"] - b["last"]).total_seconds())
                           for a in self.world.observations for b in self.world.observations}
            while window in differences:
                window += 1
            return f"WITHIN {window} SECONDS"
        times = sorted(o["first"] for o in self.world.observations) + [o["last"] for o in self.world.observations]
        start = r.choice(times) + timedelta(seconds=r.choice([-5, 0, 0, 1]))
        stop = start + timedelta(seconds=r.choice([1, 5, 15, 60, 300]))
        return f"START t'{stamp(start)}' STOP t'{stamp(stop)}'"

    def pattern(self) -> str:
        r = self.rng
        if r.random() < 0.2:
            # A chain without parentheses: AND binds tighter than OR, OR tighter than FOLLOWEDBY.
            self.features.add("observation precedence")
            parts = [self.observation(2)]
            for _ in range(r.choice([2, 3])):
                op = r.choice(["AND", "OR", "FOLLOWEDBY"])
                self.features.add("observation " + op)
                parts += [op, self.observation(2)]
            return " ".join(parts)
        return self.observation()


def printable(text: str) -> str:
    """Octets read as text, anything but printable ASCII as '.' (no control characters in patterns)."""
    return "".join(c if " " <= c <= "~" else "." for c in text)


def oracle(pattern: str, world: World, embedded: bool) -> bool:
    if embedded:
        return bool(stix2matcher.match(pattern, world.as_embedded(), stix_version="2.0"))
    bundle = {"type": "bundle", "id": "bundle--" + str(uuid.UUID(int=0, version=4)), "objects": world.as_objects()}
    return bool(stix2matcher.match(pattern, [bundle], stix_version="2.1"))


def generate() -> list[dict]:
    """PAIRS cases; a candidate of the outcome already in excess (by more than 2%) is mostly passed
    over, so that about half match."""
    rng = random.Random(SEED)
    cases = []
    matched = 0
    while len(cases) < PAIRS:
        embedded = rng.random() < 0.15
        world = World(rng, embedded)
        patterns = Patterns(rng, world)
        pattern = patterns.pattern()
        if embedded and ("EXISTS" in pattern or "START" in pattern or "t'" in pattern):
            embedded = False  # the 2.0 grammar has neither EXISTS nor timestamp constants for START/STOP
        if embedded:
            try:
                stix2matcher.Pattern(pattern, "2.0")
            except ParseException:
                embedded = False  # not a STIX 2.0 pattern (hex, binary, ...): checked in the 2.1 form
        expected = oracle(pattern, world, embedded)
        observed = world.as_embedded() if embedded else world.as_objects()
        features = patterns.features | ({"embedded objects"} if embedded else {"object_refs"})
        if any(o["n"] > 1 for o in world.observations):
            features.add("number_observed > 1")
        if world.cidr:
            features.add("CIDR values")
        excess = (matched - (len(cases) - matched)) if expected else ((len(cases) - matched) - matched)
        if excess > 0.02 * len(cases) + 2 and rng.random() < 0.8:
            continue
        matched += expected
        cases.append({"pattern": pattern, "observed": observed, "expected": expected, "features": features})
    return cases


def test_cybex_agrees_with_stix2_matcher():
    cases = generate()
    lines = "".join(json.dumps({"pattern": c["pattern"], "observed": c["observed"]}) + "\n" for c in cases)
    result = subprocess.run([require_binary(), "pattern", "match", "--stdin"], input=lines, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(cases)

    disagreements = []
    for case, answer in zip(cases, answers):
        if answer != {"match": case["expected"]}:
            disagreements.append(f"{case['pattern']}\n  oracle: {case['expected']}  cybex: {answer}\n"
                                 f"  observed: {json.dumps(case['observed'])[:1500]}")
    matched = sum(c["expected"] for c in cases)
    covered = set().union(*(c["features"] for c in cases))
    print(f"{len(cases)} pairs, {matched} matching, {len(cases) - len(disagreements)} agreements")
    assert not disagreements, f"{len(disagreements)} disagreements:\n" + "\n".join(disagreements[:30])

    assert 0.35 * len(cases) <= matched <= 0.65 * len(cases), f"{matched} of {len(cases)} match"
    required = {f"op {op}" for op in ["=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET",
                                      "ISSUPERSET", "EXISTS"]}
    required |= {"NOT", "comparison AND", "comparison OR", "comparison parentheses", "observation AND",
                 "observation OR", "observation FOLLOWEDBY", "qualifier WITHIN", "qualifier REPEATS",
                 "qualifier START", "number_observed > 1", "reference", "list [*]", "list [n]", "CIDR values",
                 "timestamp", "literal-hex", "literal-binary", "literal-string", "object_refs", "embedded objects"}
    assert required <= covered, f"not covered: {sorted(required - covered)}"
    for feature in sorted(required):
        yes = sum(feature in c["features"] and c["expected"] for c in cases)
        no = sum(feature in c["features"] and not c["expected"] for c in cases)
        assert yes + no >= 10 and yes >= 3 and no >= 3, f"{feature}: {yes} matching, {no} not"


def observed_data(index: int, first: str, *objects: dict, n: int = 1) -> list[dict]:
    return [{"type": "observed-data", "spec_version": "2.1", "id": f"observed-data--{uuid.UUID(int=index, version=4)}",
             "created": "2020-01-01T00:00:00.000Z", "modified": "2020-01-01T00:00:00.000Z",
             "first_observed": first, "last_observed": first, "number_observed": n,
             "object_refs": [o["id"] for o in objects]}, *objects]


FILE_A = {"type": "file", "id": "file--00000000-0000-4000-8000-00000000000a", "name": "a"}
FILE_B = {"type": "file", "id": "file--00000000-0000-4000-8000-00000000000b", "name": "b"}
NOTE = {"type": "file", "id": "file--00000000-0000-4000-8000-00000000000c", "name": "a\nb"}
IPV6 = {"type": "ipv6-addr", "id": "ipv6-addr--00000000-0000-4000-8000-00000000000d", "value": "2001:db8::1"}
ARTIFACT = {"type": "artifact", "id": "artifact--00000000-0000-4000-8000-00000000000e",
            "payload_bin": base64.b64encode(b"this is a test").decode()}

# Where stix2-matcher 3.0.0 departs from STIX 2.1 and cybex follows the specification: (pattern, observed,
# stix2-matcher's answer or "raises", cybex's answer, the section). The generator above leaves these out;
# this table keeps them known: if stix2-matcher is fixed, it fails and the exclusions can go.
DEVIATIONS = [
    ("([file:name = 'a'] AND [file:name = 'b']) WITHIN 10 SECONDS",
     observed_data(1, "2020-01-01T00:00:00Z", FILE_A) + observed_data(2, "2020-01-01T00:00:10Z", FILE_B),
     True, False, "9.5.1: the latest MUST be before the earliest plus the window"),
    ("[NOT EXISTS file:name]", observed_data(1, "2020-01-01T00:00:00Z", FILE_A), True, False,
     "9.6.1: NOT negates the comparison"),
    ("[file:name = 'a' AND EXISTS file:name]", observed_data(1, "2020-01-01T00:00:00Z", FILE_A), "raises", True,
     "9.6.1: EXISTS is a comparison like the others"),
    ("[ipv6-addr:value ISSUBSET '2001:db8::/32']", observed_data(1, "2020-01-01T00:00:00Z", IPV6), "raises", True,
     "9.6.1: ISSUBSET applies to ipv6-addr values"),
    ("[file:name LIKE 'a%']", observed_data(1, "2020-01-01T00:00:00Z", NOTE), False, True,
     "9.6.1: '%' is 0 or more characters"),
    ("[file:name MATCHES '^a.b$']", observed_data(1, "2020-01-01T00:00:00Z", NOTE), False, True,
     "9.6.1: the DOTALL option MUST be specified"),
    ("[artifact:payload_bin IN ('this is a test')]", observed_data(1, "2020-01-01T00:00:00Z", ARTIFACT), False, True,
     "9.6.1 and 9.6.4: IN is equality with one of the values; a string equals the octets of its code points"),
]


@pytest.mark.parametrize("pattern, observed, theirs, ours, section", DEVIATIONS,
                         ids=[d[0] for d in DEVIATIONS])
def test_documented_deviations(pattern, observed, theirs, ours, section):
    bundle = {"type": "bundle", "id": "bundle--" + str(uuid.UUID(int=0, version=4)), "objects": observed}
    try:
        oracle_answer = bool(stix2matcher.match(pattern, [bundle], stix_version="2.1"))
    except Exception:  # noqa: BLE001 — a TypeError or MatcherException, both "raises" here
        oracle_answer = "raises"
    assert oracle_answer == theirs, f"stix2-matcher now answers {oracle_answer} ({section})"
    line = json.dumps({"pattern": pattern, "observed": observed}) + "\n"
    result = subprocess.run([require_binary(), "pattern", "match", "--stdin"], input=line, capture_output=True,
                            text=True, timeout=60)
    assert json.loads(result.stdout) == {"match": ours}, section
