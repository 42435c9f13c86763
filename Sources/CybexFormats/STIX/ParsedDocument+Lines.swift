extension ParsedDocument {
    /// The objects a converter makes (a feed's indicators and sightings, a MISP event's objects),
    /// written as JSON Lines in memory with each object's place and the markings it references, as
    /// ``STIXBundleDecoder`` notes them when it reads a document. A document made this way is not
    /// read back before the ingest: its objects are validated once, when the ingest decodes them,
    /// like those of any other document. Parts made side by side are joined with
    /// ``append(contentsOf:)``.
    public struct Lines: Sendable {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        var markings = Markings()

        public init(reservingBytes capacity: Int = 0) {
            bytes.reserveCapacity(capacity)
        }

        /// How many objects were written.
        public var count: Int { ranges.count }

        /// The JSON Lines written so far (one object a line).
        public var jsonLines: [UInt8] { bytes }

        /// Writes `object` as the next line.
        public mutating func append(_ object: JSONValue) {
            markings.note(object, at: ranges.count)
            let start = bytes.count
            JSONWriter.write(object, into: &bytes)
            ranges.append(start..<bytes.count)
            bytes.append(UInt8(ascii: "\n"))
        }

        /// Appends the objects of `other`, in their order, after these.
        public mutating func append(contentsOf other: Lines) {
            let shift = bytes.count
            let first = ranges.count
            bytes += other.bytes
            ranges += other.ranges.lazy.map { ($0.lowerBound + shift)..<($0.upperBound + shift) }
            markings.referenced.formUnion(other.markings.referenced)
            markings.defined.formUnion(other.markings.defined)
            markings.definitionPositions += other.markings.definitionPositions.lazy.map { $0 + first }
        }
    }

    /// The document of the objects in `lines`. Throws, as reading them would, when they are more
    /// than `limits` accept at once.
    public init(_ lines: Lines, limits: STIXBundleDecoder.Limits = .init()) throws(STIXDocumentError) {
        guard lines.count <= limits.maxObjects else {
            throw STIXDocumentError(
                .tooManyObjects,
                "the document holds \(lines.count) objects; at most \(limits.maxObjects) are accepted at once")
        }
        self.init(source: .memory(lines.bytes), ranges: lines.ranges, limits: limits.json, markings: lines.markings)
    }
}
