public import CybexCore

/// Pulls the observable values and graph edges out of a STIX object, normalised for correlation.
public enum ObservableExtractor {
    /// The observables an object carries: the value of an SCO, the hashes of a file or artifact.
    public static func observables(of object: JSONValue, type: String) -> [Observable] {
        var result: [Observable] = []
        let value = object["value"]?.stringValue
        switch type {
        case "ipv4-addr": if let value { result.append(Observable(kind: .ipv4, value: value)) }
        case "ipv6-addr": if let value { result.append(Observable(kind: .ipv6, value: value.lowercased())) }
        case "domain-name": if let value { result.append(Observable(kind: .domain, value: normaliseDomain(value))) }
        case "url": if let value { result.append(Observable(kind: .url, value: value)) }
        case "email-addr": if let value { result.append(Observable(kind: .email, value: value.lowercased())) }
        case "mac-addr": if let value { result.append(Observable(kind: .mac, value: value.lowercased())) }
        case "autonomous-system":
            if let number = object["number"]?.integerValue { result.append(Observable(kind: .autonomousSystem, value: String(number))) }
        case "mutex":
            if let name = object["name"]?.stringValue { result.append(Observable(kind: .mutex, value: name)) }
        case "user-account":
            if let login = object["account_login"]?.stringValue ?? object["user_id"]?.stringValue {
                result.append(Observable(kind: .userAccount, value: login))
            }
        case "windows-registry-key":
            if let key = object["key"]?.stringValue { result.append(Observable(kind: .windowsRegistryKey, value: key.lowercased())) }
        case "x509-certificate":
            if let serial = object["serial_number"]?.stringValue { result.append(Observable(kind: .x509Serial, value: serial.lowercased())) }
        case "file", "artifact":
            if type == "file", let name = object["name"]?.stringValue { result.append(Observable(kind: .fileName, value: name)) }
        default:
            break
        }
        if let hashes = object["hashes"]?.objectMembers {
            for (algorithm, hash) in hashes {
                guard let text = hash.stringValue else { continue }
                let kind: Observable.Kind? = switch algorithm {
                case "MD5": .md5
                case "SHA-1": .sha1
                case "SHA-256": .sha256
                case "SHA-512": .sha512
                default: nil
                }
                if let kind { result.append(Observable(kind: kind, value: text.lowercased())) }
            }
        }
        return result
    }

    /// The edges an object states: a relationship's source and target, a sighting's references.
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
            for ref in object["observed_data_refs"]?.arrayValue ?? [] {
                if let target = ref.stringValue { edges.append(RelationshipEdge(sourceRef: id, targetRef: target, type: "observed")) }
            }
            for ref in object["where_sighted_refs"]?.arrayValue ?? [] {
                if let target = ref.stringValue { edges.append(RelationshipEdge(sourceRef: id, targetRef: target, type: "where-sighted")) }
            }
            return edges
        default:
            return []
        }
    }

    static func normaliseDomain(_ value: String) -> String {
        var domain = value.lowercased()
        if domain.hasSuffix(".") { domain.removeLast() }
        return domain
    }
}
