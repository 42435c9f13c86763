public import CybexCore

/// Applies a ``RedactionPolicy`` (and, for a viewer, ``GranularRedaction``) to STIX objects: what a
/// destination would receive. Pure: no storage, no clock, no randomness.
///
/// ```swift
/// let redactor = try Redactor(policy: policy, key: keyBytes)
/// let sent = redactor.redact(objectBytes)              // nil: withheld
/// let preview = try redactor.redactBundle(bundleBytes) // the whole bundle, with outcomes
/// ```
///
/// - Output is compact JSON, members in their original order; the same input, policy and key give
///   the same bytes. An object no rule changes is returned as the very same bytes.
/// - An object that would no longer be valid STIX after redaction is withheld (nil), never sent
///   half-redacted.
/// - An SCO's id is derived from its values (section 2.9), so it would let anyone confirm a guess
///   of a redacted value. SCOs whose values are pseudonymised or stripped get a new id, a pure
///   function of (key, old id), and references (`*_ref`, `*_refs`, at any depth) to them are mapped
///   by the same function in every object. Always renamed: email-addr, email-message (its id
///   derives from `from_ref`) and user-account under their rules, and with IP addresses without
///   `ranges` every ipv4-addr, ipv6-addr and network-traffic. Renamed depending on content: IP
///   addresses inside the `ranges`, urls with a query or fragment, network-traffic between such
///   addresses. A reference alone does not tell those: ``redactBundle(_:allowed:)`` learns them from
///   the bundle; a caller redacting objects one by one passes them (``renamedIDs(in:)``) for the
///   objects it sends, or references to them keep the old id.
public struct Redactor: Sendable {
    public let policy: RedactionPolicy
    let pseudonymiser: Pseudonymiser
    let ranges: [IPNetwork]?
    let rules: Set<String>
    let dropped: [DroppedProperty]

    /// The smallest key accepted: 16 bytes (128 bits).
    public static let minimumKeyLength = 16

    /// A redactor for `policy`, pseudonymising under `key` (at least ``minimumKeyLength`` bytes).
    public init(policy: RedactionPolicy, key: [UInt8]) throws(RedactionPolicyError) {
        try policy.validate()
        guard key.count >= Self.minimumKeyLength else {
            throw RedactionPolicyError(
                .weakKey, "the pseudonymisation key must be at least \(Self.minimumKeyLength) bytes, not \(key.count)")
        }
        self.policy = policy
        pseudonymiser = Pseudonymiser(key: key)
        var ranges: [IPNetwork]?
        var dropped: [DroppedProperty] = []
        for rule in policy.rules {
            switch rule {
            case .pseudonymiseIPAddresses(let texts): ranges = texts.map { $0.compactMap(IPNetwork.init) }
            case .dropProperties(let names): dropped = names.compactMap(DroppedProperty.init)
            default: break
            }
        }
        self.ranges = ranges
        self.dropped = dropped
        rules = Set(policy.rules.map(\.name))
    }

    var pseudonymisesEmail: Bool { rules.contains("pseudonymise-email-addresses") }
    var pseudonymisesAccounts: Bool { rules.contains("pseudonymise-user-accounts") }
    var pseudonymisesAddresses: Bool { rules.contains("pseudonymise-ip-addresses") }
    var stripsURLs: Bool { rules.contains("strip-url-queries") }
    var dropsFreeText: Bool { rules.contains("drop-free-text") }

    /// The object as the destination receives it: the same bytes when nothing applies, redacted
    /// compact JSON, or nil when it is withheld (or is not a JSON object).
    ///
    /// - Parameters:
    ///   - allowed: the TLP levels the viewer may see, for granular markings; nil: no granular redaction.
    ///   - renamedIDs: ids of the objects renamed depending on their content (``renamedIDs(in:)``),
    ///     for references to them.
    public func redact(
        _ bytes: [UInt8], allowed: ((TLPLevel) -> Bool)? = nil, renamedIDs: Set<String> = []
    ) -> [UInt8]? {
        guard let object = try? JSONReader.parse(bytes), object.objectMembers != nil else { return nil }
        var denied: (markings: Set<Int>, paths: Set<PropertyPath>) = ([], [])
        if let allowed { denied = GranularRedaction.deniedSelections(in: object, allowed: allowed) }
        guard !GranularRedaction.removesMarkings(denied.paths) else { return nil }
        let (transformed, dropped) = applyDrops(to: transform(object, renamedIDs: renamedIDs))
        let removals = PropertyPruner.completing(denied.paths.union(dropped), in: transformed)
        let redacted = PropertyPruner.prune(transformed, removing: removals, droppingMarkings: denied.markings)
        if redacted == object { return bytes }
        guard STIXValidator.violations(of: redacted).isEmpty else { return nil }
        return JSONWriter.bytes(redacted)
    }

    /// The ids of the objects among `objects` that this policy renames depending on their content:
    /// ipv4-addr/ipv6-addr inside the `ranges`, urls with a query or fragment, and network-traffic
    /// whose `src_ref` or `dst_ref` is one of those (or always renamed). `known` are ids already
    /// found renamed among other objects (earlier pages of a collection), for the network-traffic rule.
    public func renamedIDs(in objects: [JSONValue], known: Set<String> = []) -> Set<String> {
        var ids = known
        for object in objects {
            guard let type = object["type"]?.stringValue, let id = object["id"]?.stringValue,
                let value = object["value"]?.stringValue
            else { continue }
            if isAddress(type) && pseudonymisesAddresses && pseudonymiser.ipAddress(value, within: ranges) != nil {
                ids.insert(id)
            }
            if type == "url" && stripsURLs && Self.strippedURL(value) != nil { ids.insert(id) }
        }
        for object in objects where object["type"]?.stringValue == "network-traffic" && pseudonymisesAddresses {
            guard let id = object["id"]?.stringValue else { continue }
            let ends = [object["src_ref"]?.stringValue, object["dst_ref"]?.stringValue].compactMap { $0 }
            if ends.contains(where: { remapsReference($0, renamedIDs: ids) }) { ids.insert(id) }
        }
        return ids
    }

    // MARK: Value rules (no change of structure)

    /// `object` with its values pseudonymised or stripped, references mapped (unless `nested`, an
    /// SCO of a deprecated observed-data container, whose references are local keys) and its own
    /// id renamed when it must be.
    func transform(_ object: JSONValue, renamedIDs: Set<String>, nested: Bool = false) -> JSONValue {
        guard var members = object.objectMembers, let type = object["type"]?.stringValue else { return object }
        var valueChanged = false
        for i in members.indices {
            let (key, value) = members[i]
            if let text = value.stringValue, let replacement = replacement(of: text, property: key, type: type) {
                members[i].value = .string(replacement)
                if key == "value" { valueChanged = true }
            }
            if key == "external_references", stripsURLs, let list = value.arrayValue {
                members[i].value = .array(
                    list.map { reference in
                        guard let url = reference["url"]?.stringValue, let stripped = Self.strippedURL(url) else {
                            return reference
                        }
                        return replacing("url", with: .string(stripped), in: reference)
                    })
            }
            if key == "pattern", type == "indicator", let pattern = value.stringValue,
                object["pattern_type"]?.stringValue == "stix", let rewritten = rewritePattern(pattern)
            {
                members[i].value = .string(rewritten)
            }
            if key == "objects", type == "observed-data", let container = value.objectMembers {
                members[i].value = .object(container.map { ($0.key, transform($0.value, renamedIDs: renamedIDs, nested: true)) })
            }
        }
        var result = JSONValue.object(members)
        if nested { return result }
        result = remapReferences(result, renamedIDs: renamedIDs)
        let endsRenamed =
            type == "network-traffic"
            && (result["src_ref"] != object["src_ref"] || result["dst_ref"] != object["dst_ref"])
        let renamedByContent = valueChanged && (isAddress(type) || type == "url")
        if let id = object["id"]?.stringValue, remapsAlways(type) || renamedByContent || endsRenamed {
            result = replacing("id", with: .string(pseudonymiser.identifier(id)), in: result)
        }
        return result
    }

    /// The pseudonym or stripped form of a top-level string property; nil when it stays.
    func replacement(of text: String, property: String, type: String) -> String? {
        switch (type, property) {
        case ("email-addr", "value") where pseudonymisesEmail: return pseudonymiser.emailAddress(text)
        case ("email-addr", "display_name") where pseudonymisesEmail: return pseudonymiser.token("name", text)
        case ("user-account", "user_id"), ("user-account", "account_login"):
            return pseudonymisesAccounts ? pseudonymiser.token("account", text) : nil
        case ("user-account", "display_name") where pseudonymisesAccounts: return pseudonymiser.token("name", text)
        case ("ipv4-addr", "value"), ("ipv6-addr", "value"):
            return pseudonymisesAddresses ? pseudonymiser.ipAddress(text, within: ranges) : nil
        case ("url", "value"), ("artifact", "url"): return stripsURLs ? Self.strippedURL(text) : nil
        default: return nil
        }
    }

    func isAddress(_ type: String) -> Bool { type == "ipv4-addr" || type == "ipv6-addr" }

    /// Types whose every object is renamed, so a reference to one is always mapped.
    func remapsAlways(_ type: String) -> Bool {
        switch type {
        case "email-addr", "email-message": pseudonymisesEmail
        case "user-account": pseudonymisesAccounts
        case "ipv4-addr", "ipv6-addr", "network-traffic": pseudonymisesAddresses && ranges == nil
        default: false
        }
    }

    /// Types whose objects are renamed depending on their content.
    func remapsByContent(_ type: String) -> Bool {
        switch type {
        case "ipv4-addr", "ipv6-addr", "network-traffic": pseudonymisesAddresses
        case "url": stripsURLs
        default: false
        }
    }

    func remapsReference(_ ref: String, renamedIDs: Set<String>) -> Bool {
        guard let separator = ref.firstRange(of: "--") else { return false }
        let type = String(ref[..<separator.lowerBound])
        return remapsAlways(type) || (remapsByContent(type) && renamedIDs.contains(ref))
    }

    func remapReferences(_ value: JSONValue, renamedIDs: Set<String>) -> JSONValue {
        guard pseudonymisesEmail || pseudonymisesAccounts || pseudonymisesAddresses || stripsURLs else { return value }
        switch value {
        case .object(let members):
            return .object(
                members.map { member in
                    if member.key.hasSuffix("_ref"), let ref = member.value.stringValue {
                        return (member.key, .string(mapped(ref, renamedIDs)))
                    }
                    if member.key.hasSuffix("_refs"), let refs = member.value.arrayValue {
                        return (member.key, .array(refs.map { $0.stringValue.map { .string(mapped($0, renamedIDs)) } ?? $0 }))
                    }
                    return (member.key, remapReferences(member.value, renamedIDs: renamedIDs))
                })
        case .array(let elements):
            return .array(elements.map { remapReferences($0, renamedIDs: renamedIDs) })
        default:
            return value
        }
    }

    func mapped(_ ref: String, _ renamedIDs: Set<String>) -> String {
        remapsReference(ref, renamedIDs: renamedIDs) ? pseudonymiser.identifier(ref) : ref
    }

    /// The pattern with pseudonymised and stripped literals of the comparisons the rules cover.
    func rewritePattern(_ pattern: String) -> String? {
        guard pseudonymisesEmail || pseudonymisesAccounts || pseudonymisesAddresses || stripsURLs,
            let comparisons = STIXPatternSyntax.comparisons(in: pattern)
        else { return nil }
        var replacements: [String: String] = [:]
        for comparison in comparisons where Self.exactOperators.contains(comparison.op) {
            for literal in comparison.values {
                let path = comparison.path
                let replacement: String? =
                    switch comparison.objectType {
                    case "email-addr" where path == "value" || path == "display_name":
                        replacement(of: literal, property: path, type: "email-addr")
                    case "user-account" where ["user_id", "account_login", "display_name"].contains(path):
                        replacement(of: literal, property: path, type: "user-account")
                    case "ipv4-addr", "ipv6-addr":
                        path == "value" ? replacement(of: literal, property: path, type: comparison.objectType) : nil
                    case "url" where path == "value": replacement(of: literal, property: "value", type: "url")
                    case _ where path.hasSuffix(".value") && path.contains("_ref"):
                        referencedValue(literal)
                    default: nil
                    }
                if let replacement { replacements[literal] = replacement }
            }
        }
        return PatternLiteralRewriter.rewrite(pattern, replacements: replacements)
    }

    /// A literal compared with the `value` of a referenced object (`email-message:from_ref.value`,
    /// `network-traffic:dst_ref.value`): an address or an e-mail address, by its form.
    func referencedValue(_ literal: String) -> String? {
        if IPNetwork.addressBytes(String(literal.split(separator: "/").first ?? "")) != nil {
            return pseudonymisesAddresses ? pseudonymiser.ipAddress(literal, within: ranges) : nil
        }
        return pseudonymisesEmail && STIXValueSyntax.isEmailAddress(literal) ? pseudonymiser.emailAddress(literal) : nil
    }

    static let exactOperators: Set<String> = ["=", "!=", "IN", "ISSUBSET", "ISSUPERSET"]

    /// The URL without `?query` and `#fragment`; nil when it has neither.
    static func strippedURL(_ url: String) -> String? {
        guard let cut = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return nil }
        return String(url[..<cut])
    }

    func replacing(_ key: String, with value: JSONValue, in object: JSONValue) -> JSONValue {
        guard let members = object.objectMembers else { return object }
        return .object(members.map { $0.key == key ? (key, value) : $0 })
    }

    // MARK: Removal rules

    static let freeText: Set<String> = ["description", "abstract", "content", "explanation", "objective"]
    static let emailFreeText: Set<String> = ["subject", "body"]
    static let placeholder = JSONValue.string("[redacted]")

    /// The drop rules: required string properties of the type replaced by `[redacted]`, and the
    /// paths to remove.
    func applyDrops(to object: JSONValue) -> (JSONValue, Set<PropertyPath>) {
        guard let type = object["type"]?.stringValue, var members = object.objectMembers else { return (object, []) }
        var names: Set<String> = []
        for entry in dropped where entry.type == nil || entry.type == type { names.insert(entry.property) }
        if dropsFreeText {
            names.formUnion(Self.freeText)
            if type == "email-message" { names.formUnion(Self.emailFreeText) }
        }
        var removals: Set<PropertyPath> = []
        let required = Set(STIXTypeRules.specs[type]?.properties.filter(\.required).map(\.name) ?? [])
        for i in members.indices where names.contains(members[i].key) {
            if required.contains(members[i].key), members[i].value.stringValue != nil {
                members[i].value = Self.placeholder
            } else {
                removals.insert(PropertyPath([.key(members[i].key)]))
            }
        }
        if dropsFreeText {
            for (i, reference) in (object["external_references"]?.arrayValue ?? []).enumerated()
            where reference["description"] != nil {
                removals.insert(PropertyPath([.key("external_references"), .index(i), .key("description")]))
            }
            if type == "language-content", let contents = object["contents"]?.objectMembers {
                for (language, translations) in contents {
                    for (property, _) in translations.objectMembers ?? [] where Self.freeText.contains(property) {
                        removals.insert(PropertyPath([.key("contents"), .key(language), .key(property)]))
                    }
                }
            }
        }
        return (.object(members), removals)
    }
}
