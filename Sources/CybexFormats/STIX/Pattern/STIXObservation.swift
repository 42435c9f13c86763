public import CybexCore

/// What a pattern is matched against: `number_observed` observations between `first_observed`
/// and `last_observed`, of a set of cyber-observables (section 9.1).
///
/// Built once from an observed-data and its SCOs (`object_refs` resolved against the SCOs given
/// alongside, or the deprecated embedded `objects` dictionary) and matched by any number of
/// patterns: the SCOs stay parsed JSON and references resolve through one dictionary.
///
/// ```swift
/// let observations = try STIXObservation.observations(in: bundleObjects)
/// let matched = try STIXPatternMatcher(parsing: "[ipv4-addr:value = '198.51.100.1']").matches(observations)
/// ```
public struct STIXObservation: Sendable {
    /// The largest `number_observed` the specification allows (section 4.14).
    public static let maxNumberObserved = 999_999_999

    public let firstObserved: STIXTimestamp
    public let lastObserved: STIXTimestamp
    public let numberObserved: Int
    /// The cyber-observables; the first ``rootCount`` are those comparisons start from, the rest
    /// are only reached through references.
    public let objects: [JSONValue]
    public let rootCount: Int
    /// Reference (an SCO id, or a key of the deprecated `objects` dictionary) → index in ``objects``.
    let references: [String: Int]

    /// An observation of `objects` (each with its `id`; references resolve among them).
    public init(
        firstObserved: STIXTimestamp, lastObserved: STIXTimestamp, numberObserved: Int = 1, objects: [JSONValue]
    ) throws(STIXPatternError) {
        var references: [String: Int] = [:]
        for (index, object) in objects.enumerated() {
            if let id = object["id"]?.stringValue, references[id] == nil { references[id] = index }
        }
        try self.init(firstObserved, lastObserved, numberObserved, objects, objects.count, references)
    }

    /// An observation of one SCO (the only object comparisons start from), with the objects its
    /// references may lead to: what a retro-hunt asks of one stored object.
    public init(
        object: JSONValue, related: [String: JSONValue] = [:], firstObserved: STIXTimestamp,
        lastObserved: STIXTimestamp? = nil, numberObserved: Int = 1
    ) throws(STIXPatternError) {
        var objects = [object]
        var references: [String: Int] = [:]
        if let id = object["id"]?.stringValue { references[id] = 0 }
        for (id, related) in related where references[id] == nil {
            references[id] = objects.count
            objects.append(related)
        }
        try self.init(firstObserved, lastObserved ?? firstObserved, numberObserved, objects, 1, references)
    }

    /// The observation an observed-data records: its `object_refs` resolved against `objects`
    /// (SCOs by id; a reference to an absent object is not followed, section 9.7.4), or, without
    /// `object_refs`, its deprecated `objects` dictionary, whose keys its references use.
    public init(observedData: JSONValue, objects scos: [String: JSONValue]) throws(STIXPatternError) {
        func timestamp(_ name: String) throws(STIXPatternError) -> STIXTimestamp {
            guard let text = observedData[name]?.stringValue, let value = STIXTimestamp(parsing: text) else {
                throw STIXPatternError(.invalidObservation, "an observed-data needs a '\(name)' timestamp")
            }
            return value
        }
        let first = try timestamp("first_observed")
        let last = try timestamp("last_observed")
        guard let count = observedData["number_observed"]?.integerValue, count <= Self.maxNumberObserved else {
            throw STIXPatternError(.invalidObservation, "an observed-data needs a 'number_observed' integer")
        }
        var objects: [JSONValue] = []
        var references: [String: Int] = [:]
        if let refs = observedData["object_refs"]?.arrayValue {
            for case .string(let id) in refs where references[id] == nil {
                guard let object = scos[id] else { continue }
                references[id] = objects.count
                objects.append(object)
            }
        } else if let embedded = observedData["objects"]?.objectMembers {
            for (key, object) in embedded where references[key] == nil {
                references[key] = objects.count
                objects.append(object)
            }
        }
        try self.init(first, last, Int(count), objects, objects.count, references)
    }

    private init(
        _ first: STIXTimestamp, _ last: STIXTimestamp, _ count: Int, _ objects: [JSONValue], _ rootCount: Int,
        _ references: [String: Int]
    ) throws(STIXPatternError) {
        guard (1...Self.maxNumberObserved).contains(count) else {
            throw STIXPatternError(.invalidObservation, "'number_observed' must be from 1 to \(Self.maxNumberObserved)")
        }
        guard first <= last else {
            throw STIXPatternError(.invalidObservation, "'first_observed' is later than 'last_observed'")
        }
        self.firstObserved = first
        self.lastObserved = last
        self.numberObserved = count
        self.objects = objects
        self.rootCount = rootCount
        self.references = references
    }

    /// The observations of a list of STIX objects (a bundle's `objects`): one per observed-data,
    /// in order, its references resolved against every other object of the list that has an id.
    public static func observations(in objects: [JSONValue]) throws(STIXPatternError) -> [STIXObservation] {
        var scos: [String: JSONValue] = [:]
        for object in objects where object["type"]?.stringValue != "observed-data" {
            if let id = object["id"]?.stringValue, scos[id] == nil { scos[id] = object }
        }
        var observations: [STIXObservation] = []
        for object in objects where object["type"]?.stringValue == "observed-data" {
            observations.append(try STIXObservation(observedData: object, objects: scos))
        }
        return observations
    }
}
