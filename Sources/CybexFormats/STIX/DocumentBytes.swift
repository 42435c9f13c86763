#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a document's bytes are: in memory, or in a file that is read a span at a time. A file of
/// JSON Lines is read from its file, so a million objects never have their 300 MB of JSON in
/// memory at once: the reader notes where each line is, and the objects are read again, a chunk at
/// a time, when they are validated.
public struct DocumentBytes: Sendable {
    enum Storage: Sendable {
        case memory([UInt8])
        case file(OpenFile)
    }

    let storage: Storage
    /// How many bytes the document has.
    public let count: Int

    /// Bytes already in memory.
    public static func memory(_ bytes: [UInt8]) -> DocumentBytes {
        DocumentBytes(storage: .memory(bytes), count: bytes.count)
    }

    /// The regular file at `path`, opened for reading; nil when it cannot be opened or is not a
    /// regular file (a pipe or a terminal cannot be read twice: read those into memory).
    public static func file(atPath path: String) -> DocumentBytes? {
        guard let file = OpenFile(path: path) else { return nil }
        return DocumentBytes(storage: .file(file), count: file.size)
    }

    /// Calls `body` with the bytes of `range` (index 0 of the buffer is `range.lowerBound`); nil
    /// when the file cannot give them (it was shortened since it was opened, or a read failed).
    func withBytes<Result>(in range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws(STIXDocumentError) -> Result)
        throws(STIXDocumentError) -> Result?
    {
        // The bytes holding `range`, and where it lies in them.
        let bytes: [UInt8]
        let window: Range<Int>
        switch storage {
        case .memory(let all):
            guard range.lowerBound >= 0, range.upperBound <= all.count else { return nil }
            (bytes, window) = (all, range)
        case .file(let file):
            guard let read = file.read(range) else { return nil }
            (bytes, window) = (read, 0..<read.count)
        }
        // A typed-throws body cannot cross `withUnsafeBufferPointer`'s rethrows: carry the result out.
        let outcome: Swift.Result<Result, STIXDocumentError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(STIXDocumentError) {
                return .success(try body(UnsafeBufferPointer(rebasing: buffer[window])))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// The bytes of `range` as an array of their own, read once (nil as for ``withBytes(in:_:)``).
    func bytes(in range: Range<Int>) -> [UInt8]? {
        switch storage {
        case .memory(let all):
            guard range.lowerBound >= 0, range.upperBound <= all.count else { return nil }
            return range == all.indices ? all : Array(all[range])
        case .file(let file):
            return file.read(range)
        }
    }

    /// The first `length` bytes at most (empty when the file cannot be read).
    public func prefix(_ length: Int) -> [UInt8] {
        bytes(in: 0..<min(length, count)) ?? []
    }

    /// The whole document when it is in memory (a bundle or an envelope is read as one value).
    var inMemory: [UInt8]? {
        if case .memory(let bytes) = storage { return bytes }
        return nil
    }
}

/// A regular file open for reading by position (`pread`, so several threads may read it at once),
/// closed when the last document using it is let go.
final class OpenFile: Sendable {
    let descriptor: Int32
    let size: Int

    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// The bytes of `range`, or nil when the file no longer holds them all.
    func read(_ range: Range<Int>) -> [UInt8]? {
        guard range.lowerBound >= 0 else { return nil }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: range.count) { buffer, initialized in
            var done = 0
            while done < range.count {
                let got = pread(descriptor, buffer.baseAddress! + done, range.count - done, off_t(range.lowerBound + done))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    failed = true
                    break
                }
                done += got
            }
            initialized = done
        }
        return failed ? nil : bytes
    }
}
