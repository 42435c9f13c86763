public import CybexCore
public import CybexFormats

extension TraceResult {
    /// The result as `POST /api/v1/traces` answers it and `cybex trace --json` writes it
    /// (docs/CORRELATION.md, "Trace").
    public var json: JSONValue {
        let correlationJSON = correlation.json
        return .object([
            ("value", .string(value)),
            ("observables", correlationJSON["observables"] ?? .array([])),
            ("first_seen", firstSeen.map { .string(STIXTimestamp.format(microseconds: $0)) } ?? .null),
            ("last_seen", lastSeen.map { .string(STIXTimestamp.format(microseconds: $0)) } ?? .null),
            ("hits", correlationJSON["hits"] ?? .array([])),
            (
                "referenced_by",
                .array(
                    referencedBy.map { reference in
                        .object([
                            ("id", .string(reference.id)),
                            ("type", .string(reference.type)),
                            ("references", .array(reference.references.map(JSONValue.string))),
                            ("collections", .array(reference.collections.map(JSONValue.string))),
                            ("last_seen", .string(STIXTimestamp.format(microseconds: reference.lastSeen))),
                            ("tlp", reference.level.map { .string($0.rawValue) } ?? .null),
                        ])
                    })
            ),
            ("network", .array(network.map(Self.json))),
            ("autonomous_systems", .array(autonomousSystems.map(Self.json))),
            (
                "constituents",
                .array(
                    constituents.map { constituent in
                        .object([
                            (
                                "organisation",
                                .object([("id", .string(constituent.organisationID)), ("name", .string(constituent.name))])
                            ),
                            (
                                "matched",
                                .array(
                                    constituent.matched.map {
                                        .object([("type", .string($0.kind.rawValue)), ("value", .string($0.value))])
                                    })
                            ),
                            ("country", constituent.country.map(JSONValue.string) ?? .null),
                            ("contact", constituent.contact.map(Self.json) ?? .null),
                        ])
                    })
            ),
            ("cluster", cluster.json),
            ("truncated", .bool(correlation.truncated)),
        ])
    }

    static func json(_ fact: EnrichmentFact) -> JSONValue {
        var members: [(String, JSONValue)] = [("source", .string(fact.source)), ("range", .string(fact.range))]
        if let asn = fact.asn {
            members.append(("asn", .number(String(asn))))
            // ip2asn's AS 0: no one announces the range (a spoofed source, or unused space).
            if asn == 0 { members.append(("routed", .bool(false))) }
        }
        if let country = fact.country { members.append(("country", .string(country))) }
        if let owner = fact.owner { members.append(("owner", .string(owner))) }
        if let registry = fact.registry { members.append(("registry", .string(registry))) }
        if let holder = fact.holder { members.append(("holder", .string(holder))) }
        return .object(members)
    }

    static func json(_ contact: OrganisationContact) -> JSONValue {
        var members: [(String, JSONValue)] = [("kind", .string(contact.kind.rawValue))]
        if let email = contact.email { members.append(("email", .string(email))) }
        if let phone = contact.phone { members.append(("phone", .string(phone))) }
        if let url = contact.url { members.append(("url", .string(url))) }
        return .object(members)
    }
}

extension ConstituencyEntry {
    /// `{"type", "value", "note"}`, as the REST API reads and writes an entry.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("type", .string(kind.rawValue)), ("value", .string(value))]
        if let note { members.append(("note", .string(note))) }
        return .object(members)
    }
}

extension EnrichmentSource {
    public var json: JSONValue {
        .object([
            ("name", .string(name)),
            ("format", .string(format.rawValue)),
            ("loaded", .string(STIXTimestamp.format(microseconds: loaded))),
            ("ranges", .number(String(ranges))),
            ("asns", .number(String(asns))),
        ])
    }
}
