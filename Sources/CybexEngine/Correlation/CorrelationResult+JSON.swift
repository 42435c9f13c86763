import CybexCore
public import CybexFormats

extension CorrelationResult {
    /// The result as `POST /api/v1/correlations` answers it and `cybex correlate --json` writes it:
    /// `{"observables": [{"kind", "value"}], "hits": [{"id", "type", "collections", "observables",
    /// "first_seen", "last_seen", "versions", "tlp", "sightings", "sighted"}], "truncated"}`.
    public var json: JSONValue {
        .object([
            ("observables", .array(observables.map(Self.json))),
            (
                "hits",
                .array(
                    hits.map { hit in
                        .object([
                            ("id", .string(hit.id)),
                            ("type", .string(hit.type)),
                            ("collections", .array(hit.collections.map(JSONValue.string))),
                            ("observables", .array(hit.observables.map(Self.json))),
                            ("first_seen", .string(STIXTimestamp.format(microseconds: hit.firstSeen))),
                            ("last_seen", .string(STIXTimestamp.format(microseconds: hit.lastSeen))),
                            ("versions", .number(String(hit.versions))),
                            ("tlp", hit.level.map { .string($0.rawValue) } ?? .null),
                            ("sightings", .number(String(hit.sightings))),
                            ("sighted", .number(String(hit.sighted))),
                        ])
                    })
            ),
            ("truncated", .bool(truncated)),
        ])
    }

    static func json(_ observable: Observable) -> JSONValue {
        .object([("kind", .string(observable.kind.rawValue)), ("value", .string(observable.value))])
    }
}
