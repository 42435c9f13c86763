/// The rules of each STIX 2.1 object type: required properties and the type's own MUST rules.
enum STIXTypeRules {
    /// Required properties beyond the common ones, per type.
    static let required: [String: [String]] = [
        "attack-pattern": ["name"], "campaign": ["name"], "course-of-action": ["name"], "identity": ["name"],
        "incident": ["name"], "infrastructure": ["name"], "intrusion-set": ["name"], "threat-actor": ["name"],
        "tool": ["name"], "vulnerability": ["name"],
        "grouping": ["context", "object_refs"],
        "indicator": ["pattern", "pattern_type", "valid_from"],
        "malware": ["is_family"],
        "malware-analysis": ["product"],
        "note": ["content", "object_refs"],
        "observed-data": ["first_observed", "last_observed", "number_observed"],
        "opinion": ["object_refs", "opinion"],
        "report": ["name", "published", "object_refs"],
        "relationship": ["relationship_type", "source_ref", "target_ref"],
        "sighting": ["sighting_of_ref"],
        "autonomous-system": ["number"], "directory": ["path"], "domain-name": ["value"], "email-addr": ["value"],
        "ipv4-addr": ["value"], "ipv6-addr": ["value"], "mac-addr": ["value"], "url": ["value"],
        "email-message": ["is_multipart"], "mutex": ["name"], "network-traffic": ["protocols"], "software": ["name"],
        "language-content": ["object_ref", "contents"],
        "extension-definition": ["created_by_ref", "name", "schema", "version", "extension_types"],
    ]

    static func check(type: String, object: JSONValue, into v: inout STIXViolations) {
        for property in required[type] ?? [] where object[property] == nil {
            v.add(property, "required-property", "'\(property)' is required for \(type) objects")
        }
        switch type {
        case "indicator":
            STIXValidator.timestamp(object, "valid_from", into: &v)
            orderedTimestamps(object, "valid_from", "valid_until", strictly: true, into: &v)
        case "campaign", "intrusion-set", "threat-actor", "infrastructure", "malware":
            orderedTimestamps(object, "first_seen", "last_seen", strictly: false, into: &v)
            if type == "malware", object["is_family"]?.boolValue == true, object["name"] == nil {
                v.add("name", "required-property", "'name' is required when 'is_family' is true")
            }
        case "observed-data":
            orderedTimestamps(object, "first_observed", "last_observed", strictly: false, into: &v)
            integerRange(object, "number_observed", 1...999_999_999, into: &v)
        case "sighting":
            orderedTimestamps(object, "first_seen", "last_seen", strictly: false, into: &v)
            integerRange(object, "count", 0...999_999_999, into: &v)
            if let ref = object["sighting_of_ref"] { STIXValidator.checkReference(ref, property: "sighting_of_ref", allowedTypes: nil, into: &v) }
        case "relationship":
            orderedTimestamps(object, "start_time", "stop_time", strictly: true, into: &v)
            for key in ["source_ref", "target_ref"] {
                if let ref = object[key] { STIXValidator.checkReference(ref, property: key, allowedTypes: nil, into: &v) }
            }
        case "report":
            STIXValidator.timestamp(object, "published", into: &v)
        case "opinion":
            if let opinion = object["opinion"]?.stringValue,
                !["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"].contains(opinion)
            {
                v.add("opinion", "enumeration", "'opinion' must be one of strongly-disagree, disagree, neutral, agree, strongly-agree")
            }
        case "location":
            let hasLatitude = object["latitude"] != nil
            let hasLongitude = object["longitude"] != nil
            if object["region"] == nil && object["country"] == nil && !(hasLatitude && hasLongitude) {
                v.add(nil, "location", "a location needs 'region', 'country', or both 'latitude' and 'longitude'")
            }
            if hasLatitude != hasLongitude { v.add("latitude", "location", "'latitude' and 'longitude' go together") }
            if let lat = object["latitude"], !(lat.doubleValue.map { (-90...90).contains($0) } ?? false) {
                v.add("latitude", "value-range", "'latitude' must be a number from -90 to 90")
            }
            if let long = object["longitude"], !(long.doubleValue.map { (-180...180).contains($0) } ?? false) {
                v.add("longitude", "value-range", "'longitude' must be a number from -180 to 180")
            }
        case "malware-analysis":
            if object["result"] == nil && object["analysis_sco_refs"] == nil {
                v.add("result", "required-property", "a malware-analysis needs 'result' or 'analysis_sco_refs'")
            }
        case "file":
            if object["hashes"] == nil && object["name"] == nil {
                v.add("hashes", "required-property", "a file needs 'hashes' or 'name'")
            }
        case "artifact":
            if object["payload_bin"] != nil && object["url"] != nil {
                v.add("payload_bin", "mutually-exclusive", "an artifact has 'payload_bin' or 'url', not both")
            }
            if object["url"] != nil && object["hashes"] == nil {
                v.add("hashes", "required-property", "an artifact with 'url' needs 'hashes'")
            }
        case "network-traffic":
            if object["src_ref"] == nil && object["dst_ref"] == nil {
                v.add("src_ref", "required-property", "network-traffic needs 'src_ref' or 'dst_ref'")
            }
        default:
            break
        }
        if let hashes = object["hashes"] { HashRules.check(hashes, property: "hashes", into: &v) }
        for refsKey in ["object_refs"] {
            if let refs = object[refsKey] {
                guard let list = refs.arrayValue else {
                    v.add(refsKey, "property-type", "'\(refsKey)' must be a list of STIX identifiers")
                    continue
                }
                for (i, ref) in list.enumerated() {
                    STIXValidator.checkReference(ref, property: "\(refsKey).[\(i)]", allowedTypes: nil, into: &v)
                }
            }
        }
    }

    static func orderedTimestamps(_ object: JSONValue, _ earlier: String, _ later: String, strictly: Bool, into v: inout STIXViolations) {
        let a = STIXValidator.timestamp(object, earlier, into: &v)
        let b = STIXValidator.timestamp(object, later, into: &v)
        guard let a, let b else { return }
        if strictly ? !(b > a) : b < a {
            v.add(later, "timestamp-order", "'\(later)' must be \(strictly ? "later than" : "no earlier than") '\(earlier)'")
        }
    }

    static func integerRange(_ object: JSONValue, _ key: String, _ range: ClosedRange<Int64>, into v: inout STIXViolations) {
        guard let value = object[key] else { return }
        guard let n = value.integerValue, range.contains(n) else {
            v.add(key, "value-range", "'\(key)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
            return
        }
    }
}
