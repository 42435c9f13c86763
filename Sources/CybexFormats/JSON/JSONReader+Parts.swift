import Dispatch
import Foundation
import Synchronization

/// Where the reading of a captured array goes on after elements another thread read were taken.
struct JSONReadAheadEnd {
    /// The offset to go on from: the next element's start, or just after the array's `]`.
    var index: Int
    /// Whether `index` is after the array's end.
    var closed: Bool
    /// The document's value count once the taken elements are counted.
    var valueCount: Int
}

/// Reading a large document's captured array in parts, side by side.
extension JSONReader {
    /// The fewest bytes a part holds: smaller documents are read by one thread.
    public static let minimumBytesPerPart = 4 << 20
    /// The machine's cores: how many parts a large document is read in.
    public static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// ``scanObject(_:capturingArray:keepingMembers:limits:each:)`` on up to `parts` threads, with the
    /// same result and the same error at the same offset. What each element is reduced to is kept
    /// in `Notes`: `note` is called with each element's value and its position among the elements
    /// of its part, and `merge` adds a part's notes to those of the elements before it (`offset`
    /// of them).
    ///
    /// How: the document is cut at guesses of where an element of the array starts (a `{` after
    /// `}` and `,`), and another thread reads the elements from each guess. The calling thread
    /// reads the document from its start as one thread would; when an element it reaches starts
    /// exactly at a guess, the elements read from there are taken as they are (reading from the same
    /// place in the same state gives the same elements). A guess that falls inside a string is
    /// never reached and its part is let go; a part that met an error, or whose values would pass
    /// `maxValues`, is read again by the calling thread, which then fails where one thread would.
    public static func scanObject<Notes: Sendable>(
        _ bytes: [UInt8], capturingArray arrayKey: String, keepingMembers elementKeys: Set<String>?,
        limits: JSONLimits = .default, parts requested: Int, minimumBytesPerPart: Int = minimumBytesPerPart,
        notes empty: Notes, note: @escaping @Sendable (inout Notes, JSONValue, Int) -> Void,
        merge: @escaping (inout Notes, Notes, _ offset: Int) -> Void
    ) throws(JSONError) -> (JSONObjectWithRawRanges, Notes) {
        try bytes.withUnsafeBufferPointer {
            (buffer: UnsafeBufferPointer<UInt8>) throws(JSONError) -> (JSONObjectWithRawRanges, Notes) in
            let parts = min(requested, buffer.count / max(1, minimumBytesPerPart))
            let guesses = parts > 1 ? ElementGuesses.find(in: buffer, parts: parts) : []
            let readers = guesses.indices.map { position in
                PartReader(
                    start: guesses[position], next: position + 1 < guesses.count ? guesses[position + 1] : nil, notes: empty)
            }
            let shared = SharedBuffer(buffer: buffer)
            for reader in readers {
                Thread { reader.read(shared.buffer, limits: limits, keeping: elementKeys, note: note) }.start()
            }
            // The buffer must outlive every reader, whatever happens here.
            defer {
                for reader in readers { reader.cancel() }
                for reader in readers { reader.wait() }
            }
            var notes = empty
            var ranges: [Range<Int>] = []
            var pending = 0
            var scanner = JSONScanner(buffer: buffer, limits: limits)
            scanner.skipWhitespace()
            let top = try scanner.readTopObject(
                capturing: arrayKey, keeping: elementKeys,
                readAhead: readers.isEmpty
                    ? nil
                    : { start, valueCount in
                        while pending < readers.count, readers[pending].start < start { pending += 1 }
                        guard pending < readers.count, readers[pending].start == start else { return nil }
                        let reader = readers[pending]
                        pending += 1
                        reader.wait()
                        guard let end = reader.end, valueCount + reader.valueCount <= limits.maxValues else { return nil }
                        merge(&notes, reader.notes, ranges.count)
                        ranges += reader.ranges
                        return JSONReadAheadEnd(
                            index: end.index, closed: end.closed, valueCount: valueCount + reader.valueCount)
                    }
            ) { value, range in
                note(&notes, value, ranges.count)
                ranges.append(range)
            }
            try scanner.expectEnd()
            return (JSONObjectWithRawRanges(members: top.members, arrayPresent: top.arrayPresent, ranges: ranges), notes)
        }
    }
}

/// The document's bytes, handed to the part readers; ``JSONReader/scanObject(_:capturingArray:keepingMembers:limits:parts:notes:note:merge:)``
/// waits for every reader before the bytes are let go.
private struct SharedBuffer: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<UInt8>
}

/// Where the parts of a captured array may start.
enum ElementGuesses {
    /// How far past each cut a guess is looked for.
    static let searchBytes = 1 << 20

    /// Up to `parts - 1` offsets, rising, each of a `{` that follows `}` and `,` (white space
    /// between them), looked for from each of the cuts that make `parts` equal parts.
    static func find(in buffer: UnsafeBufferPointer<UInt8>, parts: Int) -> [Int] {
        var guesses: [Int] = []
        for part in 1..<parts {
            var offset = max(buffer.count / parts * part, (guesses.last ?? 0) + 1)
            let end = min(buffer.count, offset + searchBytes)
            while offset < end {
                if buffer[offset] == UInt8(ascii: "{"), follows(offset, in: buffer) {
                    guesses.append(offset)
                    break
                }
                offset += 1
            }
        }
        return guesses
    }

    /// Whether white space, `,`, white space and `}` come before `offset`.
    static func follows(_ offset: Int, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = offset - 1
        func skipSpace() {
            while index >= 0, buffer[index] == 0x20 || buffer[index] == 0x0A || buffer[index] == 0x0D || buffer[index] == 0x09 {
                index -= 1
            }
        }
        skipSpace()
        guard index >= 0, buffer[index] == UInt8(ascii: ",") else { return false }
        index -= 1
        skipSpace()
        return index >= 0 && buffer[index] == UInt8(ascii: "}")
    }
}

/// Why a part's reading stopped before the array's `]`.
private enum PartStop { case nextPart, cancelled }

/// Reads a captured array's elements from a guessed start, on a thread of its own, until it
/// reaches the next part's guess at an element's start, the array's end, or an error.
private final class PartReader<Notes: Sendable>: @unchecked Sendable {
    struct End {
        var index: Int
        var closed: Bool
    }

    let start: Int
    let next: Int?
    // Written by the reading thread before `done` is signalled, read by the caller after waiting.
    var notes: Notes
    var ranges: [Range<Int>] = []
    var valueCount = 0
    /// Nil when the part met an error or was cancelled.
    var end: End?
    private let done = DispatchSemaphore(value: 0)
    private let cancelled = Atomic<Bool>(false)
    private let finished = Mutex(false)

    init(start: Int, next: Int?, notes: Notes) {
        self.start = start
        self.next = next
        self.notes = notes
    }

    func read(
        _ buffer: UnsafeBufferPointer<UInt8>, limits: JSONLimits, keeping keys: Set<String>?,
        note: (inout Notes, JSONValue, Int) -> Void
    ) {
        defer { done.signal() }
        var scanner = JSONScanner(buffer: buffer, limits: limits)
        scanner.index = start
        var next = self.next
        // Why the reading stopped before the array's `]`, if it did.
        var stop: PartStop? = nil
        do {
            // The array's own element loop, told to stop where the next part starts.
            try scanner.readElements(
                keeping: keys,
                readAhead: { elementStart, valueCount in
                    if self.cancelled.load(ordering: .relaxed) {
                        stop = .cancelled
                        return JSONReadAheadEnd(index: elementStart, closed: true, valueCount: valueCount)
                    }
                    guard let guess = next else { return nil }
                    if elementStart == guess {
                        stop = .nextPart
                        return JSONReadAheadEnd(index: elementStart, closed: true, valueCount: valueCount)
                    }
                    if elementStart > guess { next = nil }
                    return nil
                }
            ) { value, range in
                note(&notes, value, ranges.count)
                ranges.append(range)
            }
            end =
                switch stop {
                case nil: End(index: scanner.index, closed: true)
                case .nextPart: End(index: scanner.index, closed: false)
                case .cancelled: nil
                }
        } catch {
            end = nil
        }
        if cancelled.load(ordering: .relaxed) { end = nil }
        valueCount = scanner.valueCount
    }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Waits until the reading thread has finished (at once when it already has).
    func wait() {
        finished.withLock { finished in
            if !finished {
                done.wait()
                finished = true
            }
        }
    }
}
