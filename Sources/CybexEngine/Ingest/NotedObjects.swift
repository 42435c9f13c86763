/// One written object that a subscriber noted while it was decoded, with what it noted.
public struct NotedObject: Sendable, Equatable {
    public var id: String
    public var values: [String]

    public init(id: String, values: [String]) {
        self.id = id
        self.values = values
    }
}

/// What one subscriber noted of an ingest's objects, in document order, kept compact: every id and
/// value as UTF-8 in one buffer with the offset where each ends, not a string and an array each. An
/// import notes up to ``PostCommitStage/maximumNotedObjects`` objects per subscriber. Kept as
/// ``NotedObject`` values (each id, value and array its own allocation), the notes took 46 MiB of a
/// million-object JSON Lines import's peak RSS (269-274 MiB, 223 without notes); kept here, the
/// peak is 241-242 MiB (BENCHMARKS.md).
public struct NotedObjects: RandomAccessCollection, Sendable, Equatable {
    /// The ids and values, one after the other.
    private var text: [UInt8] = []
    /// Where each string of ``text`` ends.
    private var ends: [Int32] = []
    /// Per note, the index in ``ends`` of its id; its values are the strings after it, up to the next note's id.
    private var firsts: [Int32] = []

    public init() {}

    public init(_ objects: some Sequence<NotedObject>) {
        for object in objects { append(object.id, values: object.values) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { firsts.count }

    public subscript(position: Int) -> NotedObject {
        let first = Int(firsts[position])
        let last = position + 1 < firsts.count ? Int(firsts[position + 1]) : ends.count
        return NotedObject(id: string(first), values: (first + 1..<last).map(string))
    }

    /// The id of the note at `position`, without its values.
    public func id(at position: Int) -> String { string(Int(firsts[position])) }

    /// Notes `id` with `values` after the notes before it.
    public mutating func append(_ id: String, values: [String]) {
        firsts.append(Int32(ends.count))
        add(id)
        for value in values { add(value) }
    }

    /// Whether `id` and `values` fit: offsets are 32 bits, so the notes hold less than 2 GiB of text.
    public func canHold(_ id: String, values: [String]) -> Bool {
        text.count + id.utf8.count + values.reduce(0) { $0 + $1.utf8.count } < Int(Int32.max)
    }

    private mutating func add(_ string: String) {
        text.append(contentsOf: string.utf8)
        ends.append(Int32(text.count))
    }

    private func string(_ index: Int) -> String {
        let start = index == 0 ? 0 : Int(ends[index - 1])
        return String(decoding: text[start..<Int(ends[index])], as: UTF8.self)
    }
}
