public import CybexCore

/// Why a whole document was refused (as opposed to one object inside it).
public struct STIXDocumentError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidJSON = "invalid-json"
        case notABundle = "not-a-bundle"
        case notAnEnvelope = "not-an-envelope"
        case tooManyObjects = "too-many-objects"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The result of decoding one object of a bundle or envelope.
public enum DecodedObject: Sendable {
    /// A valid object, ready for the store.
    case valid(STIXObjectRecord)
    /// An invalid object: its id and version when it had usable ones, and every violation found.
    case invalid(id: String?, version: String?, violations: [STIXViolation])
}

/// Decodes STIX 2.1 bundles (`{"type":"bundle",...}`) and TAXII envelopes (`{"objects":[...]}`)
/// into validated records, one object at a time: an invalid object is reported and its valid
/// neighbours are kept.
public enum STIXBundleDecoder {
    public enum Container: Sendable {
        case bundle
        case envelope
    }

    /// Bounds on what one document may hold.
    public struct Limits: Sendable {
        public var json: JSONLimits
        public var maxObjects: Int

        public init(json: JSONLimits = .default, maxObjects: Int = 5_000_000) {
            self.json = json
            self.maxObjects = maxObjects
        }
    }

    /// Decodes every object of `bytes`, in order.
    public static func decode(_ bytes: [UInt8], as container: Container, limits: Limits = Limits()) throws(STIXDocumentError)
        -> [DecodedObject]
    {
        let document = try parse(bytes, as: container, limits: limits)
        return document.decode(0..<document.count)
    }

    /// Reads the document's JSON and checks its container, leaving the objects to be validated
    /// (by ``ParsedDocument/decode(_:)``, in chunks, possibly on another thread).
    public static func parse(_ bytes: [UInt8], as container: Container, limits: Limits = Limits()) throws(STIXDocumentError)
        -> ParsedDocument
    {
        let top: JSONObjectWithRawArray
        do {
            top = try JSONReader.parseObject(bytes, capturingArray: "objects", limits: limits.json)
        } catch {
            throw STIXDocumentError(.invalidJSON, error.description)
        }
        try checkContainer(top, container)
        if top.elements.count > limits.maxObjects {
            throw STIXDocumentError(.tooManyObjects, "the document holds \(top.elements.count) objects; at most \(limits.maxObjects) are accepted at once")
        }
        return ParsedDocument(bytes: bytes, elements: top.elements)
    }

    static func checkContainer(_ top: JSONObjectWithRawArray, _ container: Container) throws(STIXDocumentError) {
        let type = top.members.first(where: { $0.key == "type" })?.value
        switch container {
        case .bundle:
            guard type == .string("bundle") else {
                throw STIXDocumentError(.notABundle, "a STIX bundle must have \"type\": \"bundle\"")
            }
            guard let id = top.members.first(where: { $0.key == "id" })?.value.stringValue,
                let identifier = STIXIdentifier(id), identifier.type == "bundle"
            else {
                throw STIXDocumentError(.notABundle, "a STIX bundle must have an \"id\" of the form bundle--<uuid>")
            }
            if top.members.contains(where: { $0.key == "objects" }) && !top.arrayPresent {
                throw STIXDocumentError(.notABundle, "the bundle's \"objects\" must be a list")
            }
        case .envelope:
            if top.members.contains(where: { $0.key == "objects" }) && !top.arrayPresent {
                throw STIXDocumentError(.notAnEnvelope, "the envelope's \"objects\" must be a list")
            }
            if type == .string("bundle") {
                // A STIX bundle posted where TAXII 2.1 expects an envelope: the objects are read the same way.
                return
            }
        }
    }

    /// Validates one object and builds its record.
    public static func decodeObject(_ value: JSONValue, raw: UnsafeBufferPointer<UInt8>) -> DecodedObject {
        var violations = STIXValidator.violations(of: value)
        var extra = STIXViolations(objectID: value["id"]?.stringValue)
        let recipients = DistributionMarking.recipients(of: value, into: &extra)
        violations += extra.list
        guard violations.isEmpty else {
            let version = value["modified"]?.stringValue ?? value["created"]?.stringValue
            return .invalid(id: value["id"]?.stringValue, version: version, violations: violations)
        }
        var record = record(from: value, json: JSONWriter.compact(raw))
        if let recipients {
            // A distribution marking is itself seen only by the organisations it names (and its owner).
            record.recipients = recipients
            record.tlp = .red
            record.isDistributionMarking = true
        }
        return .valid(record)
    }

    /// The record of a valid object. `json` is the object's bytes as they will be stored.
    public static func record(from value: JSONValue, json: [UInt8]) -> STIXObjectRecord {
        let type = value["type"]?.stringValue ?? ""
        let created = value["created"]?.stringValue
        let modified = value["modified"]?.stringValue
        let markingRefs = value["object_marking_refs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        var record = STIXObjectRecord(
            id: value["id"]?.stringValue ?? "",
            type: type,
            specVersion: value["spec_version"]?.stringValue ?? "2.1",
            created: created.flatMap(STIXTimestamp.init(parsing:))?.microseconds,
            modified: modified.flatMap(STIXTimestamp.init(parsing:))?.microseconds,
            versionText: modified ?? created,
            revoked: value["revoked"]?.boolValue ?? false,
            createdByRef: value["created_by_ref"]?.stringValue,
            tlp: TLPLevel.strictest(of: markingRefs),
            validUntil: value["valid_until"]?.stringValue.flatMap(STIXTimestamp.init(parsing:))?.microseconds,
            objectMarkingRefs: markingRefs,
            json: json,
            // NUL cannot be stored in PostgreSQL text; such a value is no useful observable either.
            observables: ObservableExtractor.observables(of: value, type: type).filter { !$0.value.contains("\u{0}") },
            edges: ObservableExtractor.edges(of: value, type: type)
        )
        record.granularMarkingRefs =
            value["granular_markings"]?.arrayValue?.compactMap { $0["marking_ref"]?.stringValue } ?? []
        return record
    }
}

/// A bundle or envelope whose JSON was read and whose objects are yet to be validated.
public struct ParsedDocument: Sendable {
    let bytes: [UInt8]
    let elements: [(value: JSONValue, range: Range<Int>)]

    /// How many objects the document holds.
    public var count: Int { elements.count }

    /// Validates the document's marking definitions (only those) and builds their records, by id.
    public func decodeMarkingDefinitions() -> [String: DecodedObject] {
        let positions = elements.indices.filter { elements[$0].value["type"]?.stringValue == "marking-definition" }
        var result: [String: DecodedObject] = [:]
        for position in positions {
            guard let id = elements[position].value["id"]?.stringValue else { continue }
            result[id] = decode(position..<(position + 1))[0]
        }
        return result
    }

    /// Every marking-definition id the document's objects reference (object and granular markings)
    /// and every marking-definition id it defines, read without validating anything.
    public func markingIDs() -> (referenced: Set<String>, defined: Set<String>) {
        var referenced: Set<String> = []
        var defined: Set<String> = []
        for element in elements {
            let value = element.value
            if value["type"]?.stringValue == "marking-definition", let id = value["id"]?.stringValue { defined.insert(id) }
            for ref in value["object_marking_refs"]?.arrayValue ?? [] {
                if let id = ref.stringValue { referenced.insert(id) }
            }
            for marking in value["granular_markings"]?.arrayValue ?? [] {
                if let id = marking["marking_ref"]?.stringValue { referenced.insert(id) }
            }
        }
        return (referenced, defined)
    }

    /// Validates the objects at `positions` and builds their records, in order.
    public func decode(_ positions: Range<Int>) -> [DecodedObject] {
        bytes.withUnsafeBufferPointer { buffer in
            elements[positions].map { element in
                STIXBundleDecoder.decodeObject(element.value, raw: UnsafeBufferPointer(rebasing: buffer[element.range]))
            }
        }
    }
}
