"""Deterministic STIX 2.1 fixtures for the interop tests.

Everything here is generated from a seed, so a failing run can be reproduced
object for object. Two generators:

* ``Corpus``: many SDO/SRO/SCO types, several versions of some objects,
  unicode text, custom properties and a property extension. SCO identifiers
  come from the ``stix2`` library (deterministic UUIDv5 of the id-contributing
  properties), SDO/SRO identifiers are seeded UUIDv4.
* ``write_crash_bundle``: a large, fast-to-write bundle (indicator +
  ipv4-addr + relationship triples, plus a few invalid objects) for the
  kill -9 test. Its ipv4-addr ids are computed by ``sco_ipv4_id``, which
  ``test_corpus_self_check`` proves equal to what ``stix2`` computes.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
import uuid
from typing import Any, Iterable, Iterator

import stix2

BASE_TIME = _dt.datetime(2024, 3, 1, tzinfo=_dt.timezone.utc)
# STIX 2.1 namespace for deterministic SCO identifiers (STIX 2.1, 2.9).
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

SDO_SRO_TYPES = (
    "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident",
    "indicator", "infrastructure", "intrusion-set", "location", "malware", "malware-analysis",
    "note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability",
    "relationship", "sighting",
)
TLP_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
META_TYPES = ("marking-definition", "language-content", "extension-definition")
SCO_TYPES = (
    "ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file", "autonomous-system",
    "mac-addr", "mutex", "software", "user-account", "windows-registry-key", "directory",
    "x509-certificate", "network-traffic",
)


def ts(seconds: float) -> str:
    """A STIX timestamp (millisecond precision, UTC, ``Z``) ``seconds`` after BASE_TIME."""
    t = BASE_TIME + _dt.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def sco_ipv4_id(value: str) -> str:
    """ipv4-addr id as STIX 2.1 defines it: UUIDv5 over the JCS form of {"value": ...}."""
    canon = json.dumps({"value": value}, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return f"ipv4-addr--{uuid.uuid5(SCO_NAMESPACE, canon)}"


def version_of(obj: dict[str, Any]) -> str | None:
    """The TAXII version of an object: modified, else created, else None (SCOs)."""
    return obj.get("modified") or obj.get("created")


def key_of(obj: dict[str, Any]) -> tuple[str, str | None]:
    return (obj["id"], version_of(obj))


def envelope(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return {"objects": objects}


def bundle(objects: list[dict[str, Any]], rng: random.Random | None = None) -> dict[str, Any]:
    rng = rng or random.Random(0)
    return {"type": "bundle", "id": f"bundle--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            "objects": objects}


def _sco(obj: Any) -> dict[str, Any]:
    return json.loads(obj.serialize())


UNICODE_NAMES = [
    "Überwachungs-Botnetz", "攻撃キャンペーン", "Кампания «Полярная ночь»", "حملة التصيد",
    "Opération Été 🚨", "línea — “comillas” ‘simples’", "tab\tand\\backslash/slash", "ελληνικά ☃",
]


class Corpus:
    """Seeded generator of valid STIX 2.1 objects of many types."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.n = 0
        self.identity_id = self._id("identity")
        self.marking_id = self._id("marking-definition")
        # Cybex refuses references to marking definitions it has never seen, so objects reference the
        # corpus' own statement marking only once meta_objects() has produced it; TLP:GREEN before.
        self.meta_emitted = False
        self.extension_id = self._id("extension-definition")
        self.recent: dict[str, list[str]] = {}
        self.emitted: set[str] = set()

    # ------------------------------------------------------------------ helpers
    def _id(self, typ: str) -> str:
        return f"{typ}--{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def _t(self) -> str:
        self.n += 1
        return ts(self.n * 7.001)

    def _remember(self, obj: dict[str, Any]) -> dict[str, Any]:
        lst = self.recent.setdefault(obj["type"], [])
        lst.append(obj["id"])
        if len(lst) > 50:
            del lst[0]
        return obj

    def _ref(self, typ: str) -> str:
        lst = self.recent.get(typ)
        if lst:
            return self.rng.choice(lst)
        return self._id(typ)

    def _sdo(self, typ: str, **props: Any) -> dict[str, Any]:
        t = self._t()
        obj: dict[str, Any] = {"type": typ, "spec_version": "2.1", "id": self._id(typ),
                               "created": t, "modified": t}
        obj["created_by_ref"] = self.identity_id
        obj.update(props)
        return self._remember(obj)

    def _ip(self) -> str:
        r = self.rng
        return f"{r.choice([198, 203, 192])}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    # --------------------------------------------------------------- meta objects
    def meta_objects(self) -> list[dict[str, Any]]:
        """identity, marking-definition and extension-definition every other object refers to."""
        self.meta_emitted = True
        t = ts(0)
        identity = {"type": "identity", "spec_version": "2.1", "id": self.identity_id,
                    "created": t, "modified": t, "name": "Cybex Interop CIRT",
                    "description": "Fixture producer", "identity_class": "organization",
                    "sectors": ["technology"]}
        marking = {"type": "marking-definition", "spec_version": "2.1", "id": self.marking_id,
                   "created": t, "created_by_ref": self.identity_id, "name": "interop statement",
                   "definition_type": "statement",
                   "definition": {"statement": "Copyright 2024, Cybex interop fixtures"}}
        extension = {"type": "extension-definition", "spec_version": "2.1", "id": self.extension_id,
                     "created": t, "modified": t, "created_by_ref": self.identity_id,
                     "name": "cybex-interop-scoring", "description": "Adds a score to objects",
                     "schema": "https://example.org/cybex/interop-scoring.json", "version": "1.0.0",
                     "extension_types": ["property-extension"]}
        return [identity, marking, extension]

    # ------------------------------------------------------------------- builders
    def indicator(self) -> dict[str, Any]:
        r = self.rng
        kind = r.random()
        if kind < 0.7:
            pattern = f"[ipv4-addr:value = '{self._ip()}']"
        elif kind < 0.8:
            pattern = f"[domain-name:value = 'c2-{r.randint(0, 10**6)}.example.net']"
        elif kind < 0.9:
            pattern = f"[url:value = 'http://bad-{r.randint(0, 10**6)}.example.com/payload?id={r.randint(0, 99)}']"
        else:
            pattern = f"[file:hashes.'SHA-256' = '{r.getrandbits(256):064x}']"
        valid_from = self._t()
        obj = self._sdo("indicator", name=f"Indicator {self.n}",
                        description="Observed in phishing wave",
                        indicator_types=["malicious-activity"], pattern=pattern,
                        pattern_type="stix", valid_from=valid_from,
                        labels=["interop"], confidence=r.randint(0, 100))
        if r.random() < 0.1:
            obj["object_marking_refs"] = [self.marking_id if self.meta_emitted else TLP_GREEN]
        if r.random() < 0.05:
            obj["name"] = r.choice(UNICODE_NAMES)
        return obj

    def malware(self) -> dict[str, Any]:
        return self._sdo("malware", name=f"Malware family {self.n}", is_family=True,
                         malware_types=["trojan"], description=self.rng.choice(UNICODE_NAMES))

    def relationship(self) -> dict[str, Any]:
        return self._sdo("relationship", relationship_type="indicates",
                         source_ref=self._ref("indicator"), target_ref=self._ref("malware"))

    def sighting(self) -> dict[str, Any]:
        return self._sdo("sighting", sighting_of_ref=self._ref("indicator"),
                         where_sighted_refs=[self.identity_id], count=self.rng.randint(1, 50),
                         first_seen=ts(3600), last_seen=ts(7200))

    def simple(self, typ: str) -> dict[str, Any]:
        r = self.rng
        name = f"{typ} {self.n}"
        if typ == "attack-pattern":
            return self._sdo(typ, name=name, external_references=[
                {"source_name": "capec", "external_id": f"CAPEC-{r.randint(1, 700)}"}])
        if typ == "campaign":
            return self._sdo(typ, name=r.choice(UNICODE_NAMES), objective="credential theft")
        if typ == "course-of-action":
            return self._sdo(typ, name=name, description="Block at the perimeter")
        if typ == "grouping":
            return self._sdo(typ, name=name, context="suspicious-activity",
                             object_refs=[self._ref("indicator"), self._ref("malware")])
        if typ == "incident":
            return self._sdo(typ, name=name, description="Incident under investigation")
        if typ == "infrastructure":
            return self._sdo(typ, name=name, infrastructure_types=["command-and-control"])
        if typ == "intrusion-set":
            return self._sdo(typ, name=name, aliases=[f"APT-{r.randint(1, 99)}"])
        if typ == "location":
            return self._sdo(typ, name=name, region="northern-europe", country="FI")
        if typ == "malware-analysis":
            return self._sdo(typ, product="cybex-sandbox", result="malicious",
                             sample_ref=self._ref("file"))
        if typ == "note":
            return self._sdo(typ, content="Analyst note: " + r.choice(UNICODE_NAMES),
                             object_refs=[self._ref("indicator")])
        if typ == "observed-data":
            return self._sdo(typ, first_observed=ts(100), last_observed=ts(200),
                             number_observed=r.randint(1, 1000), object_refs=[self._ref("ipv4-addr")])
        if typ == "opinion":
            return self._sdo(typ, opinion="agree", object_refs=[self._ref("indicator")])
        if typ == "report":
            return self._sdo(typ, name=name, report_types=["threat-report"], published=ts(500),
                             object_refs=[self._ref("indicator"), self._ref("malware")])
        if typ == "threat-actor":
            return self._sdo(typ, name=name, threat_actor_types=["crime-syndicate"])
        if typ == "tool":
            return self._sdo(typ, name=name, tool_types=["remote-access"])
        if typ == "vulnerability":
            return self._sdo(typ, name=f"CVE-2024-{r.randint(1000, 99999)}", external_references=[
                {"source_name": "cve", "external_id": f"CVE-2024-{r.randint(1000, 99999)}"}])
        raise ValueError(typ)

    def sco(self, typ: str) -> dict[str, Any]:
        r = self.rng
        n = self.n = self.n + 1
        if typ == "ipv4-addr":
            obj = _sco(stix2.IPv4Address(value=self._ip()))
        elif typ == "ipv6-addr":
            obj = _sco(stix2.IPv6Address(value=f"2001:db8::{n:x}:{r.randint(0, 0xffff):x}"))
        elif typ == "domain-name":
            obj = _sco(stix2.DomainName(value=f"host-{n}.example.org"))
        elif typ == "url":
            obj = _sco(stix2.URL(value=f"https://files-{n}.example.com/a/b?c={r.randint(0, 9)}"))
        elif typ == "email-addr":
            obj = _sco(stix2.EmailAddress(value=f"user{n}@example.net", display_name="Jöhn Dœ"))
        elif typ == "file":
            obj = _sco(stix2.File(name=f"invoice-{n}.pdf.exe",
                                  hashes={"SHA-256": f"{r.getrandbits(256):064x}"}, size=r.randint(1, 10**7)))
        elif typ == "autonomous-system":
            obj = _sco(stix2.AutonomousSystem(number=64512 + n % 1000 + r.randint(0, 10**6), name="AS test"))
        elif typ == "mac-addr":
            obj = _sco(stix2.MACAddress(value=":".join(f"{r.randint(0, 255):02x}" for _ in range(6))))
        elif typ == "mutex":
            obj = _sco(stix2.Mutex(name=f"Global\\mtx-{n}"))
        elif typ == "software":
            obj = _sco(stix2.Software(name=f"widget-{n}", vendor="ACME", version=f"{r.randint(1, 9)}.0"))
        elif typ == "user-account":
            obj = _sco(stix2.UserAccount(user_id=f"{1000 + n}", account_login=f"login{n}",
                                         account_type="unix"))
        elif typ == "windows-registry-key":
            obj = _sco(stix2.WindowsRegistryKey(key=f"HKEY_LOCAL_MACHINE\\Software\\Run\\k{n}"))
        elif typ == "directory":
            obj = _sco(stix2.Directory(path=f"C:\\Users\\u{n}\\AppData"))
        elif typ == "x509-certificate":
            obj = _sco(stix2.X509Certificate(serial_number=f"{r.getrandbits(64):x}",
                                             issuer="CN=Interop CA", subject=f"CN=host{n}"))
        elif typ == "network-traffic":
            src = stix2.IPv4Address(value=self._ip())
            obj = _sco(stix2.NetworkTraffic(src_ref=src.id, dst_port=443, protocols=["ipv4", "tcp"],
                                            start=ts(n)))
        else:
            raise ValueError(typ)
        return self._remember(obj)

    def with_extras(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Custom properties and a property extension; must survive storage unchanged."""
        obj["x_cybex_interop"] = {"nested": [1, 2.5, "three", False, True, -0.25, 1e-7], "ünïcode": "✓"}
        obj["extensions"] = {self.extension_id: {"extension_type": "property-extension",
                                                 "score": self.rng.randint(0, 100)}}
        return obj

    # ------------------------------------------------------------------- streams
    def mixed(self, count: int) -> list[dict[str, Any]]:
        """``count`` objects mixing every type (no meta objects, no extra versions)."""
        r = self.rng
        out: list[dict[str, Any]] = []
        simple_types = [t for t in SDO_SRO_TYPES
                        if t not in ("indicator", "relationship", "sighting", "identity", "malware")]
        while len(out) < count:
            x = r.random()
            if x < 0.35:
                obj = self.indicator()
            elif x < 0.45:
                obj = self.malware()
            elif x < 0.58:
                obj = self.relationship()
            elif x < 0.62:
                obj = self.sighting()
            elif x < 0.80:
                obj = self.sco(r.choice(SCO_TYPES))
            else:
                obj = self.simple(r.choice(simple_types))
            if obj["id"] in self.emitted:  # an SCO drawn twice: keep every id unique
                continue
            self.emitted.add(obj["id"])
            if r.random() < 0.02 and obj["type"] not in SCO_TYPES:
                self.with_extras(obj)
            out.append(obj)
        return out

    def one_of_each(self) -> list[dict[str, Any]]:
        """One object of every supported type, references resolvable."""
        out = self.meta_objects()
        out.append(self.malware())
        out.append(self.sco("file"))
        out.append(self.sco("ipv4-addr"))
        out.append(self.indicator())
        for typ in SDO_SRO_TYPES:
            if typ in ("identity", "indicator", "malware"):  # made above
                continue
            if typ == "relationship":
                out.append(self.relationship())
            elif typ == "sighting":
                out.append(self.sighting())
            else:
                out.append(self.simple(typ))
        for typ in SCO_TYPES:
            if typ not in ("file", "ipv4-addr"):
                out.append(self.sco(typ))
        ind = out[6]
        out.append({"type": "language-content", "spec_version": "2.1", "id": self._id("language-content"),
                    "created": ts(50), "modified": ts(50), "object_ref": ind["id"],
                    "object_modified": ind["modified"],
                    "contents": {"de": {"name": "Indikator", "description": "Beobachtet"},
                                 "ja": {"name": "指標"}}})
        out.append(self.with_extras(self.simple("tool")))
        self.emitted.update(o["id"] for o in out)
        return out

    def new_version(self, obj: dict[str, Any], k: int, **changes: Any) -> dict[str, Any]:
        """Version ``k`` (1, 2, ...) of ``obj``: same id and created, later modified."""
        v = json.loads(json.dumps(obj))
        base = _dt.datetime.strptime(obj["modified"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_dt.timezone.utc)
        newer = base + _dt.timedelta(days=k, milliseconds=k)
        v["modified"] = newer.strftime("%Y-%m-%dT%H:%M:%S.") + f"{newer.microsecond // 1000:03d}Z"
        if "name" in v:
            v["name"] = f"{obj.get('name', '')} (rev {k})"
        v.update(changes)
        return v


def versions_chain(corpus: Corpus, obj: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` versions of ``obj`` (the first is ``obj`` itself), ascending modified."""
    return [obj] + [corpus.new_version(obj, k) for k in range(1, count)]


# ---------------------------------------------------------------------- crash
INVALID_CRASH_OBJECTS = [
    # indicator without the required pattern
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--0b0c8c5e-8f64-4f53-9c66-1d0b2b1f0001",
     "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
     "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"},
    # id that is not type--UUID
    {"type": "malware", "spec_version": "2.1", "id": "malware--not-a-uuid",
     "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
     "name": "broken", "is_family": True},
    # timestamp that is not a timestamp
    {"type": "tool", "spec_version": "2.1", "id": "tool--0b0c8c5e-8f64-4f53-9c66-1d0b2b1f0003",
     "created": "yesterday", "modified": "yesterday", "name": "broken"},
]


def crash_objects(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``count`` valid objects: indicator, its ipv4-addr and a relationship, repeated."""
    rng = random.Random(seed)
    malware_id = f"malware--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    t0 = ts(0)
    yield {"type": "malware", "spec_version": "2.1", "id": malware_id, "created": t0, "modified": t0,
           "name": "Crash test family", "is_family": True}
    made = 1
    i = 0
    while made < count:
        i += 1
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        t = ts(i)
        ind_id = f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        batch = [
            {"type": "indicator", "spec_version": "2.1", "id": ind_id, "created": t, "modified": t,
             "name": f"crash indicator {i}", "pattern": f"[ipv4-addr:value = '{ip}']",
             "pattern_type": "stix", "valid_from": t, "indicator_types": ["malicious-activity"]},
            {"type": "ipv4-addr", "spec_version": "2.1", "id": sco_ipv4_id(ip), "value": ip},
            {"type": "relationship", "spec_version": "2.1",
             "id": f"relationship--{uuid.UUID(int=rng.getrandbits(128), version=4)}", "created": t,
             "modified": t, "relationship_type": "indicates", "source_ref": ind_id, "target_ref": malware_id},
        ]
        for obj in batch:
            if made >= count:
                break
            made += 1
            yield obj


def write_crash_bundle(path: str, count: int, seed: int = 7) -> set[str]:
    """Write a bundle of ``count`` valid objects plus INVALID_CRASH_OBJECTS spread through it.

    Returns the set of ids of the valid objects (all distinct).
    """
    ids: set[str] = set()
    invalid_at = {count // 4: 0, count // 2: 1, (3 * count) // 4: 2}
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type": "bundle", "id": "bundle--5d0b2b1f-8f64-4f53-9c66-0b0c8c5e0000", "objects": [\n')
        first = True
        for n, obj in enumerate(crash_objects(count, seed)):
            if n in invalid_at:
                f.write((",\n" if not first else "") + json.dumps(INVALID_CRASH_OBJECTS[invalid_at[n]]))
                first = False
            ids.add(obj["id"])
            f.write((",\n" if not first else "") + json.dumps(obj, ensure_ascii=False))
            first = False
        f.write("\n]}\n")
    assert len(ids) == count, "crash corpus ids must be distinct"
    return ids


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
