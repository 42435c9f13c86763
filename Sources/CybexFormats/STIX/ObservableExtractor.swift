public import CybexCore

/// Pulls the observable values and graph edges out of a STIX object, normalised for correlation.
///
/// Observables come from SCOs (their value, name or key, and their hashes), from the SCOs of the
/// deprecated observable container of observed-data, and from the equality comparisons of STIX
/// indicator patterns (`[ipv4-addr:value = '198.51.100.1']`, `[file:hashes.'SHA-256' IN ('…', '…')]`).
/// Values are written in one form per kind (``ObservableNormaliser``): canonical addresses and
/// ranges, domain names as lower-case A-labels, URLs normalised as RFC 3986 says, hashes in lower
/// case.
public enum ObservableExtractor {
    /// The observables an object carries.
    public static func observables(of object: JSONValue, type: String) -> [Observable] {
        var result: [Observable] = []
        switch type {
        case "indicator":
            if object["pattern_type"]?.stringValue == "stix", let pattern = object["pattern"]?.stringValue {
                result = observables(inPattern: pattern)
            }
        case "observed-data":
            for (_, embedded) in object["objects"]?.objectMembers ?? [] {
                if let embeddedType = embedded["type"]?.stringValue {
                    result += observables(ofObservable: embedded, type: embeddedType)
                }
            }
        default:
            result = observables(ofObservable: object, type: type)
        }
        var seen: Set<Observable> = []
        return result.filter { seen.insert($0).inserted }
    }

    static func observables(ofObservable object: JSONValue, type: String) -> [Observable] {
        var result: [Observable] = []
        let value = object["value"]?.stringValue
        switch type {
        case "autonomous-system":
            if let number = object["number"]?.integerValue {
                result.append(Observable(kind: .autonomousSystem, value: String(number)))
            }
        case "mutex", "file":
            if let name = object["name"]?.stringValue,
                let observable = observable(type: type, property: "name", value: name)
            {
                result.append(observable)
            }
        case "user-account":
            if let login = object["account_login"]?.stringValue ?? object["user_id"]?.stringValue {
                result.append(Observable(kind: .userAccount, value: login))
            }
        case "windows-registry-key":
            if let key = object["key"]?.stringValue,
                let observable = observable(type: type, property: "key", value: key)
            {
                result.append(observable)
            }
        case "x509-certificate":
            if let serial = object["serial_number"]?.stringValue,
                let observable = observable(type: type, property: "serial_number", value: serial)
            {
                result.append(observable)
            }
        default:
            if let value, let observable = observable(type: type, property: "value", value: value) {
                result.append(observable)
            }
        }
        for (algorithm, hash) in object["hashes"]?.objectMembers ?? [] {
            if let text = hash.stringValue, let observable = observable(hash: algorithm, value: text) {
                result.append(observable)
            }
        }
        return result
    }

    /// The observables named by the positive `=` and `IN` comparisons of a STIX pattern, and the
    /// address ranges of its `ISSUBSET` comparisons.
    public static func observables(inPattern pattern: String) -> [Observable] {
        guard let comparisons = STIXPatternSyntax.comparisons(in: pattern) else { return [] }
        var result: [Observable] = []
        for comparison in comparisons where !comparison.negated && Self.naming(comparison) {
            let path = comparison.path.replacingQuotes()
            for value in comparison.values {
                if path.hasPrefix("hashes.") {
                    if let observable = observable(hash: String(path.dropFirst(7)), value: value) {
                        result.append(observable)
                    }
                } else if comparison.objectType == "autonomous-system", path == "number", let number = Int64(value) {
                    result.append(Observable(kind: .autonomousSystem, value: String(number)))
                } else if let observable = observable(type: comparison.objectType, property: path, value: value) {
                    result.append(observable)
                }
            }
        }
        return result
    }

    /// Whether a comparison names values: `=` and `IN`, and `ISSUBSET` of an address range
    /// (`[ipv4-addr:value ISSUBSET '198.51.100.0/24']`).
    static func naming(_ comparison: STIXPatternSyntax.Comparison) -> Bool {
        switch comparison.op {
        case "=", "IN": true
        case "ISSUBSET": ["ipv4-addr", "ipv6-addr"].contains(comparison.objectType) && comparison.path == "value"
        default: false
        }
    }

    static func observable(type: String, property: String, value: String) -> Observable? {
        let kind: Observable.Kind? =
            switch (type, property) {
            case ("ipv4-addr", "value"): .ipv4
            case ("ipv6-addr", "value"): .ipv6
            case ("domain-name", "value"): .domain
            case ("url", "value"): .url
            case ("email-addr", "value"): .email
            case ("mac-addr", "value"): .mac
            case ("mutex", "name"): .mutex
            case ("file", "name"): .fileName
            case ("user-account", "account_login"), ("user-account", "user_id"): .userAccount
            case ("windows-registry-key", "key"): .windowsRegistryKey
            case ("x509-certificate", "serial_number"): .x509Serial
            default: nil
            }
        return kind.map { Observable(kind: $0, value: normalise(value, as: $0)) }
    }

    static func observable(hash algorithm: String, value: String) -> Observable? {
        let kind: Observable.Kind? =
            switch algorithm.uppercased() {
            case "MD5": .md5
            case "SHA-1", "SHA1": .sha1
            case "SHA-256", "SHA256": .sha256
            case "SHA-512", "SHA512": .sha512
            default: nil
            }
        return kind.map { Observable(kind: $0, value: normalise(value, as: $0)) }
    }

    /// `value` as the store keeps an observable of `kind` (``ObservableNormaliser``).
    public static func normalise(_ value: String, as kind: Observable.Kind) -> String {
        ObservableNormaliser.normalise(value, as: kind)
    }

    /// How stores written before ``ObservableNormaliser`` kept a value: case folded where the kind
    /// is case-insensitive, a domain without its final dot, as given otherwise. Searches look for
    /// this form too until the index of distinct observables re-reads those stores.
    static func earlierForm(_ value: String, as kind: Observable.Kind) -> String {
        switch kind {
        case .ipv4, .url, .mutex, .fileName, .userAccount, .autonomousSystem: value
        case .domain: value.lowercased().hasSuffix(".") ? String(value.lowercased().dropLast()) : value.lowercased()
        case .ipv6, .email, .mac, .md5, .sha1, .sha256, .sha512, .windowsRegistryKey, .x509Serial: value.lowercased()
        }
    }

    /// The observables a searched `value` may be stored as: one per kind (each as ``normalise(_:as:)``
    /// keeps it), so that a search finds `Example.COM` as the domain `example.com` and a hash in
    /// either case. An autonomous system is also found by its `AS` form (`AS64500`).
    public static func candidates(for value: String) -> [Observable] {
        var result = Observable.Kind.allCases.flatMap { kind in
            let normalised = normalise(value, as: kind)
            let earlier = earlierForm(value, as: kind)
            return [Observable(kind: kind, value: normalised)]
                + (earlier == normalised ? [] : [Observable(kind: kind, value: earlier)])
        }
        if value.count > 2, value.prefix(2).uppercased() == "AS", value.dropFirst(2).allSatisfy(\.isNumber) {
            result.append(Observable(kind: .autonomousSystem, value: String(value.dropFirst(2))))
        }
        return result
    }

    /// The edges an object states: a relationship's source and target, a sighting's references, the
    /// `resolves-to` / `belongs-to` references of addresses and domain names, the `object_refs` of
    /// reports, groupings, notes, opinions and observed-data (`object-ref`), and a network
    /// traffic's `src_ref` / `dst_ref` (`src-ref`, `dst-ref`): what tracing follows.
    public static func edges(of object: JSONValue, type: String) -> [RelationshipEdge] {
        guard let id = object["id"]?.stringValue else { return [] }
        switch type {
        case "relationship":
            guard let source = object["source_ref"]?.stringValue, let target = object["target_ref"]?.stringValue,
                let kind = object["relationship_type"]?.stringValue
            else { return [] }
            return [RelationshipEdge(sourceRef: source, targetRef: target, type: kind)]
        case "sighting":
            var edges: [RelationshipEdge] = []
            if let target = object["sighting_of_ref"]?.stringValue {
                edges.append(RelationshipEdge(sourceRef: id, targetRef: target, type: "sighting-of"))
            }
            edges += references(object, "observed_data_refs", from: id, as: "observed")
            edges += references(object, "where_sighted_refs", from: id, as: "where-sighted")
            return edges
        case "domain-name", "ipv4-addr", "ipv6-addr":
            return references(object, "resolves_to_refs", from: id, as: "resolves-to")
                + references(object, "belongs_to_refs", from: id, as: "belongs-to")
        case _ where ReferenceEdges.types.contains(type):
            return ReferenceEdges.edges(
                id: id, type: type, string: { object[$0]?.stringValue },
                strings: { (object[$0]?.arrayValue ?? []).compactMap(\.stringValue) })
        default:
            return []
        }
    }

    static func references(
        _ object: JSONValue, _ property: String, from id: String, as type: String
    ) -> [RelationshipEdge] {
        (object[property]?.arrayValue ?? []).compactMap { ref in
            ref.stringValue.map { RelationshipEdge(sourceRef: id, targetRef: $0, type: type) }
        }
    }
}

extension String {
    /// `hashes.'SHA-256'` → `hashes.SHA-256` (pattern paths quote keys that are not identifiers).
    func replacingQuotes() -> String { String(filter { $0 != "'" }) }
}
