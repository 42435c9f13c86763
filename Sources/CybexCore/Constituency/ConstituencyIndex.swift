/// Every organisation's constituency held in memory, to tell which organisations an observable
/// touches: an address or range inside one of their networks, a domain at or under one of their
/// domains, an AS number of theirs. Lookups are dictionary probes (an address's 33 or 129 enclosing
/// networks, a domain's suffixes), whatever the number of entries.
public struct ConstituencyIndex: Sendable {
    var byEntry: [ConstituencyEntry: [String]] = [:]
    /// Networks by family (4 or 16 bytes) and prefix length: masked address → organisations. An
    /// address is looked up at the few prefix lengths registered, not at all 33 or 129.
    var networks: [Int: [Int: [[UInt8]: [String]]]] = [:]

    public init(_ matches: [ConstituencyMatch]) {
        for match in matches {
            if match.entry.kind == .network, let network = IPNetwork(match.entry.value) {
                networks[network.address.count, default: [:]][network.prefixLength, default: [:]][network.address, default: []]
                    .append(match.organisationID)
            } else {
                byEntry[ConstituencyEntry(kind: match.entry.kind, value: match.entry.value), default: []].append(
                    match.organisationID)
            }
        }
    }

    public var isEmpty: Bool { byEntry.isEmpty && networks.isEmpty }

    /// The organisations whose networks contain `network` (an address or a range).
    func organisations(containing network: IPNetwork, into found: inout Set<String>) {
        guard let lengths = networks[network.address.count] else { return }
        for (prefix, registered) in lengths where prefix <= network.prefixLength {
            if let organisations = registered[IPNetwork.masked(network.address, prefix)] { found.formUnion(organisations) }
        }
    }

    /// The entries a constituency would hold to be touched by `observable` (values in the index's
    /// written form): the networks enclosing an address or range, a domain and its parents (a
    /// URL's or e-mail address's host included), an AS number.
    public static func candidates(for observable: Observable) -> [ConstituencyEntry] {
        switch observable.kind {
        case .ipv4, .ipv6:
            guard let network = IPNetwork(observable.value) else { return [] }
            return networks(enclosing: network)
        case .domain:
            return domains(of: observable.value)
        case .url:
            guard let host = host(ofURL: observable.value) else { return [] }
            if let network = IPNetwork(host) { return networks(enclosing: network) }
            return domains(of: host)
        case .email:
            guard let at = observable.value.lastIndex(of: "@") else { return [] }
            return domains(of: String(observable.value[observable.value.index(after: at)...]))
        case .autonomousSystem:
            return [ConstituencyEntry(kind: .asn, value: observable.value)]
        default:
            return []
        }
    }

    /// The networks that enclose `network` (itself included), as constituency entries.
    public static func networks(enclosing network: IPNetwork) -> [ConstituencyEntry] {
        let bits = network.address.count * 8
        return (0...network.prefixLength).map { prefix in
            let text = IPNetwork.text(IPNetwork.masked(network.address, prefix))
            return ConstituencyEntry(kind: .network, value: prefix == bits ? text : "\(text)/\(prefix)")
        }
    }

    /// `name` and each of its parent domains, as constituency entries.
    public static func domains(of name: String) -> [ConstituencyEntry] {
        let labels = name.split(separator: ".")
        return labels.indices.map { ConstituencyEntry(kind: .domain, value: labels[$0...].joined(separator: ".")) }
    }

    /// The host of a URL in the index's written form (`scheme://[user@]host[:port]/…`), brackets of
    /// an IPv6 literal removed.
    static func host(ofURL url: String) -> String? {
        let characters = Array(url.utf8)
        guard let colon = characters.firstIndex(of: UInt8(ascii: ":")), characters.count > colon + 2,
            characters[colon + 1] == UInt8(ascii: "/"), characters[colon + 2] == UInt8(ascii: "/")
        else { return nil }
        var rest =
            url.utf8.dropFirst(colon + 3).split(separator: 0, omittingEmptySubsequences: false).first.map { Substring($0) } ?? ""
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        if let colon = rest.lastIndex(of: ":") { rest = rest[..<colon] }
        return rest.isEmpty ? nil : String(rest)
    }

    /// The organisations `observables` touch.
    public func organisations(touchedBy observables: [Observable]) -> Set<String> {
        var found: Set<String> = []
        for observable in observables {
            var address: IPNetwork?
            switch observable.kind {
            case .ipv4, .ipv6: address = IPNetwork(observable.value)
            case .url: address = Self.host(ofURL: observable.value).flatMap(IPNetwork.init)
            default: break
            }
            if let address {
                organisations(containing: address, into: &found)
                continue
            }
            for candidate in Self.candidates(for: observable) where candidate.kind != .network {
                if let organisations = byEntry[candidate] { found.formUnion(organisations) }
            }
        }
        return found
    }
}
