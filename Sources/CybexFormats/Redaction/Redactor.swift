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
/// - References (`*_ref`, `*_refs`, at any depth) to pseudonymised SCOs are mapped to their new ids
///   by the same pure function of (key, old id), in every object. e-mail addresses and user
///   accounts are always pseudonymised, so references to them are always mapped. IP addresses with
///   `ranges` are pseudonymised only inside the ranges, which a reference alone does not tell:
///   ``redactBundle(_:allowed:)`` learns them from the bundle; a caller redacting objects one by one
///   passes the ids of the pseudonymised address objects (``pseudonymisedAddressIDs(in:)``).
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
    ///   - addressIDs: ids of ipv4-addr/ipv6-addr objects whose value is pseudonymised (needed only
    ///     with IP `ranges`, for references from other objects).
    public func redact(
        _ bytes: [UInt8], allowed: ((TLPLevel) -> Bool)? = nil, pseudonymisedAddressIDs addressIDs: Set<String> = []
    ) -> [UInt8]? {
        guard let object = try? JSONReader.parse(bytes), object.objectMembers != nil else { return nil }
        var denied: (markings: Set<Int>, paths: Set<PropertyPath>) = ([], [])
        if let allowed { denied = GranularRedaction.deniedSelections(in: object, allowed: allowed) }
        let (transformed, dropped) = applyDrops(to: transform(object, addressIDs: addressIDs))
        let removals = PropertyPruner.completing(denied.paths.union(dropped), in: transformed)
        let redacted = PropertyPruner.prune(transformed, removing: removals, droppingMarkings: denied.markings)
        if redacted == object { return bytes }
        guard STIXValidator.violations(of: redacted).isEmpty else { return nil }
        return JSONWriter.bytes(redacted)
    }

    /// The ids of the ipv4-addr/ipv6-addr objects among `objects` whose value this policy pseudonymises.
    public func pseudonymisedAddressIDs(in objects: [JSONValue]) -> Set<String> {
        guard pseudonymisesAddresses else { return [] }
        var ids: Set<String> = []
        for object in objects {
            guard let type = object["type"]?.stringValue, type == "ipv4-addr" || type == "ipv6-addr",
                let id = object["id"]?.stringValue, let value = object["value"]?.stringValue,
                pseudonymiser.ipAddress(value, within: ranges) != nil
            else { continue }
            ids.insert(id)
        }
        return ids
    }

    // MARK: Value rules (no change of structure)

    func transform(_ object: JSONValue, addressIDs: Set<String>) -> JSONValue {
        guard var members = object.objectMembers, let type = object["type"]?.stringValue else { return object }
        var idChanged = false
        for i in members.indices {
            let (key, value) = members[i]
            if let text = value.stringValue, let replacement = replacement(of: text, property: key, type: type) {
                members[i].value = .string(replacement)
                if key == "value" || key == "user_id" || key == "account_login" || key == "display_name" {
                    idChanged = true
                }
            }
            if key == "external_references", stripsURLs, let list = value.arrayValue {
                members[i].value = .array(list.map { reference in
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
                members[i].value = .object(container.map { ($0.key, transform($0.value, addressIDs: addressIDs)) })
            }
        }
        var result = JSONValue.object(members)
        result = remapReferences(result, addressIDs: addressIDs)
        if let id = object["id"]?.stringValue, remapsAlways(type) || (idChanged && isAddress(type)) {
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

    /// Types whose every object is pseudonymised, so a reference to one is always mapped.
    func remapsAlways(_ type: String) -> Bool {
        (type == "email-addr" && pseudonymisesEmail) || (type == "user-account" && pseudonymisesAccounts)
            || (isAddress(type) && pseudonymisesAddresses && ranges == nil)
    }

    func remapsReference(_ ref: String, addressIDs: Set<String>) -> Bool {
        guard let separator = ref.firstRange(of: "--") else { return false }
        let type = String(ref[..<separator.lowerBound])
        return remapsAlways(type) || (isAddress(type) && pseudonymisesAddresses && addressIDs.contains(ref))
    }

    func remapReferences(_ value: JSONValue, addressIDs: Set<String>) -> JSONValue {
        guard pseudonymisesEmail || pseudonymisesAccounts || pseudonymisesAddresses else { return value }
        switch value {
        case .object(let members):
            return .object(members.map { member in
                if member.key.hasSuffix("_ref"), let ref = member.value.stringValue {
                    return (member.key, .string(mapped(ref, addressIDs)))
                }
                if member.key.hasSuffix("_refs"), let refs = member.value.arrayValue {
                    return (member.key, .array(refs.map { $0.stringValue.map { .string(mapped($0, addressIDs)) } ?? $0 }))
                }
                return (member.key, remapReferences(member.value, addressIDs: addressIDs))
            })
        case .array(let elements):
            return .array(elements.map { remapReferences($0, addressIDs: addressIDs) })
        default:
            return value
        }
    }

    func mapped(_ ref: String, _ addressIDs: Set<String>) -> String {
        remapsReference(ref, addressIDs: addressIDs) ? pseudonymiser.identifier(ref) : ref
    }

    /// The pattern with pseudonymised and stripped literals of the comparisons the rules cover.
    func rewritePattern(_ pattern: String) -> String? {
        guard let comparisons = STIXPatternSyntax.comparisons(in: pattern) else { return nil }
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
