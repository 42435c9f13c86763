public import CybexCore

/// Why a whole document was refused (as opposed to one object inside it).
public struct STIXDocumentError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the document, by name: an extensible set (the codecs to come add theirs).
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidJSON = Code(rawValue: "invalid-json")
        public static let notABundle = Code(rawValue: "not-a-bundle")
        public static let notAnEnvelope = Code(rawValue: "not-an-envelope")
        public static let notAnObject = Code(rawValue: "not-an-object")
        public static let tooManyObjects = Code(rawValue: "too-many-objects")
        public static let lineTooLong = Code(rawValue: "line-too-long")
        public static let unreadable = Code(rawValue: "unreadable")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// The source file (`#fileID`) and line that raised the error.
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
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
    public enum Container: Sendable, Hashable {
        /// A STIX bundle: `{"type":"bundle","id":…,"objects":[…]}`.
        case bundle
        /// A TAXII envelope: `{"objects":[…]}` (a bundle is read the same way).
        case envelope
        /// One STIX object on its own, as the specification's examples are written.
        case object
        /// JSON Lines: one STIX object per line; blank lines are skipped. A line that is not a JSON
        /// object refuses the whole document, naming the line.
        case jsonLines
        /// A bundle, an envelope or one object, told apart by the document's top level.
        case automatic
    }

    /// Bounds on what one document may hold.
    public struct Limits: Sendable {
        public var json: JSONLimits
        public var maxObjects: Int
        /// The longest line of JSON Lines read from a file, in bytes.
        public var maxLineBytes: Int
        /// How much of a file of JSON Lines is read at once (a block is doubled, up to
        /// `maxLineBytes`, when a line does not fit).
        public var readBlockBytes: Int

        public init(
            json: JSONLimits = .default, maxObjects: Int = 5_000_000, maxLineBytes: Int = 64 << 20,
            readBlockBytes: Int = 4 << 20
        ) {
            self.json = json
            self.maxObjects = maxObjects
            self.maxLineBytes = maxLineBytes
            self.readBlockBytes = readBlockBytes
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
        try parse(.memory(bytes), as: container, limits: limits)
    }

    /// ``parse(_:as:limits:)`` for a document in memory or in a file. JSON Lines is read from its
    /// file a block at a time; a bundle, an envelope or one object is read into memory whole.
    public static func parse(_ source: DocumentBytes, as container: Container, limits: Limits = Limits())
        throws(STIXDocumentError) -> ParsedDocument
    {
        if container == .jsonLines { return try parseLines(source, limits: limits) }
        guard let bytes = source.bytes(in: 0..<source.count) else {
            throw STIXDocumentError(.unreadable, "the file could not be read")
        }
        // The whole document is read (so invalid JSON anywhere refuses it before anything is
        // stored), but each object's value is let go once its marking ids are noted: objects are
        // read again, a chunk at a time, when they are validated. A large document is read in parts,
        // one per core (``JSONReader/scanObject(_:capturingArray:keepingMembers:limits:parts:notes:note:merge:)``).
        var markings: ParsedDocument.Markings
        let top: JSONObjectWithRawRanges
        do {
            (top, markings) = try JSONReader.scanObject(
                bytes, capturingArray: "objects", keepingMembers: ParsedDocument.Markings.members, limits: limits.json,
                parts: JSONReader.cores, notes: ParsedDocument.Markings(),
                note: { markings, value, position in markings.note(value, at: position) },
                merge: { markings, part, offset in markings.add(part, offset: offset) })
        } catch {
            throw STIXDocumentError(.invalidJSON, error.description)
        }
        let kind = try checkContainer(members: top.members, arrayPresent: top.arrayPresent, container)
        if kind == .object {
            // The document is the object: its members were all read (no `objects` list was captured).
            markings.note(.object(top.members), at: 0)
            return ParsedDocument(source: .memory(bytes), ranges: [0..<bytes.count], limits: limits.json, markings: markings)
        }
        if top.ranges.count > limits.maxObjects {
            throw STIXDocumentError(
                .tooManyObjects,
                "the document holds \(top.ranges.count) objects; at most \(limits.maxObjects) are accepted at once")
        }
        return ParsedDocument(source: .memory(bytes), ranges: top.ranges, limits: limits.json, markings: markings)
    }

    /// Checks the top level against `container` and says which container the document is.
    static func checkContainer(
        members: [(key: String, value: JSONValue)], arrayPresent: Bool, _ container: Container
    ) throws(STIXDocumentError) -> Container {
        let type = members.first(where: { $0.key == "type" })?.value
        switch container {
        case .automatic:
            if type == .string("bundle") { return try checkContainer(members: members, arrayPresent: arrayPresent, .bundle) }
            if type == nil, arrayPresent || members.contains(where: { $0.key == "objects" }) {
                return try checkContainer(members: members, arrayPresent: arrayPresent, .envelope)
            }
            if type?.stringValue != nil { return try checkContainer(members: members, arrayPresent: arrayPresent, .object) }
            throw STIXDocumentError(
                .notABundle, "the document is neither a STIX bundle, a TAXII envelope nor a STIX object (no \"type\")")
        case .object:
            guard let name = type?.stringValue, name != "bundle", !arrayPresent else {
                throw STIXDocumentError(
                    .notAnObject, "a single STIX object must be a JSON object with a \"type\" other than \"bundle\"")
            }
            return .object
        case .jsonLines:
            return .jsonLines
        case .bundle:
            guard type == .string("bundle") else {
                throw STIXDocumentError(.notABundle, "a STIX bundle must have \"type\": \"bundle\"")
            }
            guard let id = members.first(where: { $0.key == "id" })?.value.stringValue,
                let identifier = STIXIdentifier(id), identifier.type == "bundle"
            else {
                throw STIXDocumentError(.notABundle, "a STIX bundle must have an \"id\" of the form bundle--<uuid>")
            }
            if members.contains(where: { $0.key == "objects" }) && !arrayPresent {
                throw STIXDocumentError(.notABundle, "the bundle's \"objects\" must be a list")
            }
        case .envelope:
            if members.contains(where: { $0.key == "objects" }) && !arrayPresent {
                throw STIXDocumentError(.notAnEnvelope, "the envelope's \"objects\" must be a list")
            }
            if type == .string("bundle") {
                // A STIX bundle posted where TAXII 2.1 expects an envelope: the objects are read the same way.
                return .envelope
            }
        }
        return container
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
            observables: ObservableExtractor.observables(of: value, type: type).filter { !$0.value.utf8.contains(0) },
            edges: ObservableExtractor.edges(of: value, type: type)
        )
        record.granularMarkingRefs =
            value["granular_markings"]?.arrayValue?.compactMap { $0["marking_ref"]?.stringValue } ?? []
        if type == "vulnerability" {
            record.vulnerability = VulnerabilityFacts.of(value)
        } else if type == "note" {
            record.vulnerability = VulnerabilityFacts.ofVEXNote(value)
        }
        return record
    }
}

/// A document whose JSON was read and whose objects are yet to be validated. It keeps where each
/// object's bytes are, not the objects' values: a chunk of objects is read again (from memory, or
/// from the file for JSON Lines) when it is validated, so a document of a million objects never
/// has a million values alive.
public struct ParsedDocument: Sendable {
    let source: DocumentBytes
    let ranges: [Range<Int>]
    let limits: JSONLimits
    let markings: Markings
    /// The objects already validated, for a document made from parsed objects (``init(objects:limits:)``).
    let predecoded: [DecodedObject]?

    init(source: DocumentBytes, ranges: [Range<Int>], limits: JSONLimits, markings: Markings) {
        self.source = source
        self.ranges = ranges
        self.limits = limits
        self.markings = markings
        predecoded = nil
    }

    /// A document of objects a converter made (CVE records, feeds …): written as JSON Lines and validated
    /// here, once, by the same ``STIXBundleDecoder/decodeObject(_:raw:)`` a document read from bytes goes
    /// through, so that the ingest does not read them again. Build it off the ingest's path (in the
    /// converter's task): the validation is most of its cost.
    public init(objects: [JSONValue], limits: JSONLimits = .default) {
        var lines = Lines()
        for object in objects { lines.append(object) }
        let decoded = lines.bytes.withUnsafeBufferPointer { buffer in
            zip(objects, lines.ranges).map { object, range in
                STIXBundleDecoder.decodeObject(object, raw: UnsafeBufferPointer(rebasing: buffer[range]))
            }
        }
        self.source = .memory(lines.bytes)
        self.ranges = lines.ranges
        self.limits = limits
        self.markings = lines.markings
        predecoded = decoded
    }

    /// The marking ids of the document's objects, noted while it was read.
    struct Markings: Sendable {
        /// Marking-definition ids the objects reference (object and granular markings).
        var referenced: Set<String> = []
        /// Marking-definition ids the document defines.
        var defined: Set<String> = []
        /// The positions of the marking definitions among the objects.
        var definitionPositions: [Int] = []

        /// The members of an object ``note(_:at:)`` reads (and a JSON Lines reader its `type`).
        static let members: Set<String> = ["type", "id", "object_marking_refs", "granular_markings"]

        /// Adds the markings of a later part of the document, whose first object is at `offset`.
        mutating func add(_ part: Markings, offset: Int) {
            referenced.formUnion(part.referenced)
            defined.formUnion(part.defined)
            definitionPositions += part.definitionPositions.map { $0 + offset }
        }

        mutating func note(_ value: JSONValue, at position: Int) {
            if value["type"]?.stringValue == "marking-definition" {
                definitionPositions.append(position)
                if let id = value["id"]?.stringValue { defined.insert(id) }
            }
            for ref in value["object_marking_refs"]?.arrayValue ?? [] {
                if let id = ref.stringValue { referenced.insert(id) }
            }
            for marking in value["granular_markings"]?.arrayValue ?? [] {
                if let id = marking["marking_ref"]?.stringValue { referenced.insert(id) }
            }
        }
    }

    /// How many objects the document holds.
    public var count: Int { ranges.count }

    /// Validates the document's marking definitions (only those) and builds their records, by id.
    public func decodeMarkingDefinitions() -> [String: DecodedObject] {
        var result: [String: DecodedObject] = [:]
        for position in markings.definitionPositions {
            switch decode(position..<position + 1).first {
            case .valid(let record)?: result[record.id] = .valid(record)
            case .invalid(let id?, let version, let violations)?:
                result[id] = .invalid(id: id, version: version, violations: violations)
            default: continue
            }
        }
        return result
    }

    /// Every marking-definition id the document's objects reference (object and granular markings)
    /// and every marking-definition id it defines, read without validating anything.
    public func markingIDs() -> (referenced: Set<String>, defined: Set<String>) {
        (markings.referenced, markings.defined)
    }

    /// Validates the objects at `positions` and builds their records, in order. Their bytes are
    /// read in one span (objects are in document order).
    public func decode(_ positions: Range<Int>) -> [DecodedObject] {
        if let predecoded { return Array(predecoded[positions]) }
        guard let first = positions.first, let last = positions.last else { return [] }
        let span = ranges[first].lowerBound..<ranges[last].upperBound
        let decoded = try? source.withBytes(in: span) { buffer in
            positions.map { position in
                let range = ranges[position]
                let raw = UnsafeBufferPointer(
                    rebasing: buffer[(range.lowerBound - span.lowerBound)..<(range.upperBound - span.lowerBound)])
                let value: JSONValue
                do throws(JSONError) {
                    value = try JSONReader.parse(raw, limits: limits)
                } catch {
                    // A document made in memory (``Lines``) is read here for the first time.
                    guard case .memory = source.storage else { return Self.unreadable }
                    return .invalid(
                        id: nil, version: nil,
                        violations: [
                            STIXViolation(objectID: nil, property: nil, rule: "invalid-json", message: error.description)
                        ])
                }
                return STIXBundleDecoder.decodeObject(value, raw: raw)
            }
        }
        // Read once already, within the same limits: only a file changed since can fail here.
        return decoded ?? positions.map { _ in Self.unreadable }
    }

    /// The id and version (`modified`, else `created`) of the objects at `positions` (increasing),
    /// read again without validating them, from one read of the span they cover; nils for an
    /// object that cannot be read again. What a report or a subscriber needs of objects already
    /// stored, at a fraction of ``decode(_:)``'s cost.
    public func identities(at positions: [Int]) -> [(id: String?, version: String?)] {
        guard let first = positions.first, let last = positions.last else { return [] }
        let span = ranges[first].lowerBound..<ranges[last].upperBound
        let read = try? source.withBytes(in: span) { buffer in
            positions.map { position -> (id: String?, version: String?) in
                let range = ranges[position]
                let raw = UnsafeBufferPointer(
                    rebasing: buffer[(range.lowerBound - span.lowerBound)..<(range.upperBound - span.lowerBound)])
                guard let value = try? JSONReader.parse(raw, limits: limits) else { return (nil, nil) }
                return (value["id"]?.stringValue, value["modified"]?.stringValue ?? value["created"]?.stringValue)
            }
        }
        return (read ?? nil) ?? positions.map { _ in (nil, nil) }
    }

    /// The objects at `positions` (increasing), parsed again without validating them, from one read
    /// of the span they cover; nil for an object that cannot be read again. What post-commit
    /// subscribers read instead of the store.
    public func objects(at positions: [Int]) -> [JSONValue?] {
        guard let first = positions.first, let last = positions.last else { return [] }
        let span = ranges[first].lowerBound..<ranges[last].upperBound
        let read = try? source.withBytes(in: span) { buffer in
            positions.map { position -> JSONValue? in
                let range = ranges[position]
                let raw = UnsafeBufferPointer(
                    rebasing: buffer[(range.lowerBound - span.lowerBound)..<(range.upperBound - span.lowerBound)])
                return try? JSONReader.parse(raw, limits: limits)
            }
        }
        return (read ?? nil) ?? positions.map { _ in nil }
    }

    /// What an object that cannot be read again becomes.
    static let unreadable = DecodedObject.invalid(
        id: nil, version: nil,
        violations: [
            STIXViolation(
                objectID: nil, property: nil, rule: "invalid-json",
                message: "the object cannot be read again (was the file changed during the import?)")
        ])
}
