import CybexCore

/// What one destination may receive: a named list of redaction rules (issue 3, "PII protection").
///
/// JSON form (the `Codable` encoding):
///
/// ```json
/// {"name": "to-peers", "destination": "peer", "rules": [
///   {"rule": "pseudonymise-email-addresses"},
///   {"rule": "pseudonymise-user-accounts"},
///   {"rule": "pseudonymise-ip-addresses", "ranges": ["192.0.2.0/24", "2001:db8:1::/48"]},
///   {"rule": "drop-properties", "properties": ["x_internal_note", "identity.contact_information"]},
///   {"rule": "strip-url-queries"},
///   {"rule": "drop-free-text"}
/// ]}
/// ```
///
/// See ``RedactionRule`` for what each rule does and SECURITY.md ("PII redaction") for the whole
/// contract. Decoding checks the policy (``validate()``); errors are ``RedactionPolicyError``s.
public struct RedactionPolicy: Sendable, Hashable, Codable {
    /// Where redacted objects go.
    public enum Destination: String, Sendable, Hashable, Codable, CaseIterable {
        /// Another Cybex node or TAXII peer.
        case peer
        /// A file export.
        case export
        /// A public feed.
        case `public`
    }

    public var name: String
    public var destination: Destination
    public var rules: [RedactionRule]

    public init(name: String, destination: Destination, rules: [RedactionRule]) {
        self.name = name
        self.destination = destination
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey {
        case name, destination, rules
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        let destinationText = try container.decode(String.self, forKey: .destination)
        guard let destination = Destination(rawValue: destinationText) else {
            throw RedactionPolicyError(
                .unknownDestination, "unknown destination '\(destinationText)' (peer, export or public)",
                at: "destination")
        }
        self.destination = destination
        rules = try container.decode([RedactionRule].self, forKey: .rules)
        try validate()
    }

    /// Checks the policy: a name, at most one rule of each kind, well-formed ranges and property
    /// names, and no property that cannot be dropped (`type`, `id`, `spec_version`, `created`,
    /// `modified`, `object_marking_refs`, `granular_markings`).
    public func validate() throws(RedactionPolicyError) {
        if name.trimmingSpaces.isEmpty { throw RedactionPolicyError(.emptyName, "the policy needs a name", at: "name") }
        var seen: Set<String> = []
        for (i, rule) in rules.enumerated() {
            let at = "rules[\(i)]"
            guard seen.insert(rule.name).inserted else {
                throw RedactionPolicyError(.duplicateRule, "rule '\(rule.name)' appears twice", at: at)
            }
            switch rule {
            case .pseudonymiseIPAddresses(let ranges):
                for (k, range) in (ranges ?? []).enumerated() where IPNetwork(range) == nil {
                    throw RedactionPolicyError(
                        .badRange, "'\(range)' is not an IPv4 or IPv6 network such as 192.0.2.0/24",
                        at: at + ".ranges[\(k)]")
                }
                if let ranges, ranges.isEmpty {
                    throw RedactionPolicyError(
                        .badRange, "'ranges' must list at least one network (omit it for every address)",
                        at: at + ".ranges")
                }
            case .dropProperties(let names):
                if names.isEmpty {
                    throw RedactionPolicyError(.badProperty, "'properties' must not be empty", at: at + ".properties")
                }
                for (k, entry) in names.enumerated() {
                    let location = at + ".properties[\(k)]"
                    guard let target = DroppedProperty(entry) else {
                        throw RedactionPolicyError(
                            .badProperty, "'\(entry)' is not a property name or 'type.property'", at: location)
                    }
                    if DroppedProperty.protected.contains(target.property) {
                        throw RedactionPolicyError(
                            .protectedProperty, "'\(target.property)' cannot be dropped: every object needs it",
                            at: location)
                    }
                }
            default:
                break
            }
        }
    }
}

/// One rule of a ``RedactionPolicy``. The JSON form is an object whose `rule` member names it.
public enum RedactionRule: Sendable, Hashable, Codable {
    /// `pseudonymise-email-addresses`: email-addr `value` becomes `h-<hex>@pseudonymised.invalid`
    /// and `display_name` `h-<hex>`; the same literals in indicator patterns too.
    case pseudonymiseEmailAddresses
    /// `pseudonymise-user-accounts`: user-account `user_id`, `account_login` and `display_name`
    /// become `h-<hex>`; the same literals in indicator patterns too.
    case pseudonymiseUserAccounts
    /// `pseudonymise-ip-addresses` with optional `ranges`: ipv4-addr/ipv6-addr `value` inside one of
    /// the networks (every address when absent) becomes an address of 240.0.0.0/4 or
    /// 2001:db8::/32; the same literals in indicator patterns too.
    case pseudonymiseIPAddresses(ranges: [String]?)
    /// `drop-properties` with `properties`: top-level properties to remove, `name` (any type) or
    /// `type.name` (one type). A required string property is replaced by `[redacted]`.
    case dropProperties([String])
    /// `strip-url-queries`: removes `?query` and `#fragment` from url `value`, artifact `url` and
    /// `external_references[].url`, and from url literals in indicator patterns.
    case stripURLQueries
    /// `drop-free-text`: removes `description`, `abstract`, `content`, `explanation`, `objective`,
    /// email `subject` and `body`, and external references' `description`; required ones become
    /// `[redacted]`.
    case dropFreeText

    /// The name used in the JSON form.
    public var name: String {
        switch self {
        case .pseudonymiseEmailAddresses: "pseudonymise-email-addresses"
        case .pseudonymiseUserAccounts: "pseudonymise-user-accounts"
        case .pseudonymiseIPAddresses: "pseudonymise-ip-addresses"
        case .dropProperties: "drop-properties"
        case .stripURLQueries: "strip-url-queries"
        case .dropFreeText: "drop-free-text"
        }
    }

    enum CodingKeys: String, CodingKey {
        case rule, ranges, properties
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .rule)
        switch name {
        case "pseudonymise-email-addresses": self = .pseudonymiseEmailAddresses
        case "pseudonymise-user-accounts": self = .pseudonymiseUserAccounts
        case "pseudonymise-ip-addresses":
            self = .pseudonymiseIPAddresses(ranges: try container.decodeIfPresent([String].self, forKey: .ranges))
        case "drop-properties": self = .dropProperties(try container.decode([String].self, forKey: .properties))
        case "strip-url-queries": self = .stripURLQueries
        case "drop-free-text": self = .dropFreeText
        default:
            throw RedactionPolicyError(
                .unknownRule,
                "unknown rule '\(name)' (pseudonymise-email-addresses, pseudonymise-user-accounts, "
                    + "pseudonymise-ip-addresses, drop-properties, strip-url-queries, drop-free-text)",
                at: Self.location(decoder.codingPath) + "rule")
        }
    }

    /// `rules[2].` for the coding path of the third rule.
    static func location(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "" : text + "."
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .rule)
        switch self {
        case .pseudonymiseIPAddresses(let ranges): try container.encodeIfPresent(ranges, forKey: .ranges)
        case .dropProperties(let names): try container.encode(names, forKey: .properties)
        default: break
        }
    }
}

/// Why a redaction policy (or its key) cannot be used.
public struct RedactionPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case emptyName, unknownDestination, unknownRule, duplicateRule, badRange, badProperty, protectedProperty
        case weakKey
    }

    public var code: Code
    public var message: String
    /// Where in the policy, e.g. `rules[2].ranges[0]`.
    public var location: String?

    public init(_ code: Code, _ message: String, at location: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    public var description: String { (location.map { "\($0): " } ?? "") + message }
}

/// An entry of `drop-properties`: `name` or `type.name`.
struct DroppedProperty: Hashable, Sendable {
    static let protected: Set<String> = [
        "type", "id", "spec_version", "created", "modified", "object_marking_refs", "granular_markings",
    ]

    var type: String?
    var property: String

    init?(_ entry: String) {
        let parts = entry.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, let property = parts.last,
            property == "id" || STIXValidator.isValidPropertyName(property)
        else {
            return nil
        }
        if parts.count == 2 {
            guard STIXIdentifier.isValidTypeName(parts[0].utf8) else { return nil }
            type = parts[0]
        }
        self.property = property
    }
}

extension String {
    var trimmingSpaces: Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return Substring(scalars[first...last])
    }
}
