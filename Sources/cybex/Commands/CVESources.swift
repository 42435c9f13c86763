import Foundation
import ZIPFoundation

/// Where `cybex import --format cve` reads CVE JSON 5 records from: a record file, a folder (every
/// `CVE-*.json` below it, as the official cvelistV5 repository lays them out), or a zip of either (a zip
/// inside the zip, as the repository's release archives nest `cves.zip`, is read through a temporary file).
/// Records are handed on in batches, each with the label that names it in errors.
struct CVESources {
    typealias Batch = [(label: String, bytes: [UInt8])]

    let batchSize: Int
    let maximumBytes: Int
    private var batch: Batch = []

    init(batchSize: Int, maximumBytes: Int) {
        self.batchSize = batchSize
        self.maximumBytes = maximumBytes
    }

    /// Reads `path`, calling `flush` with each full batch, and once more with the rest.
    mutating func read(_ path: String, flush: (Batch) async throws -> Void) async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandFailure(message: "\(path): no such file or folder")
        }
        if isDirectory.boolValue {
            try await readFolder(path, flush: flush)
        } else if path.lowercased().hasSuffix(".zip") {
            try await readZip(URL(fileURLWithPath: path), label: path, flush: flush)
        } else {
            try await add(path, try readFile(path), flush: flush)
        }
        if !batch.isEmpty {
            try await flush(batch)
            batch.removeAll()
        }
    }

    /// Whether a file name is a record's: `CVE-….json`.
    static func isRecordName(_ name: String) -> Bool {
        let last = name.split(separator: "/").last.map(String.init) ?? name
        return last.hasPrefix("CVE-") && last.hasSuffix(".json")
    }

    private mutating func add(_ label: String, _ bytes: [UInt8], flush: (Batch) async throws -> Void) async throws {
        batch.append((label, bytes))
        if batch.count >= batchSize {
            try await flush(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > maximumBytes {
            return Array(repeating: 0, count: maximumBytes + 1)  // refused by size, not read
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(message: "\(path): cannot read the file")
        }
        return [UInt8](data)
    }

    private mutating func readFolder(_ path: String, flush: (Batch) async throws -> Void) async throws {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw CommandFailure(message: "\(path): cannot list the folder")
        }
        var names: [String] = []
        while let name = enumerator.nextObject() as? String {
            if Self.isRecordName(name) { names.append(name) }
        }
        for name in names.sorted() {
            let file = (path as NSString).appendingPathComponent(name)
            try await add(file, try readFile(file), flush: flush)
        }
    }

    private mutating func readZip(_ url: URL, label: String, flush: (Batch) async throws -> Void) async throws {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw CommandFailure(message: "\(label): not a readable zip archive (\(error))")
        }
        for entry in archive {
            // The path once (each read of `path` or `type` decodes it again); folders end with "/".
            let name = entry.path
            if name.hasSuffix("/") { continue }
            if name.lowercased().hasSuffix(".zip") {
                let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "cybex-cve-\(UUID().uuidString).zip")
                defer { try? FileManager.default.removeItem(at: temporary) }
                do {
                    _ = try archive.extract(entry, to: temporary)
                } catch {
                    throw CommandFailure(message: "\(label)/\(name): cannot extract (\(error))")
                }
                try await readZip(temporary, label: "\(label)/\(name)", flush: flush)
                continue
            }
            guard Self.isRecordName(name) else { continue }
            guard entry.uncompressedSize <= UInt64(maximumBytes) else {
                try await add("\(label)/\(name)", Array(repeating: 0, count: maximumBytes + 1), flush: flush)
                continue
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(entry.uncompressedSize))
            do {
                // The checksum is checked here (ZIPFoundation's own, on Linux, goes a byte at a time).
                // The size in the header can lie: stop at the bound whatever it says.
                let limit = maximumBytes
                _ = try archive.extract(entry, skipCRC32: true) { chunk in
                    guard bytes.count + chunk.count <= limit else { throw CVESourceError.tooLarge }
                    bytes.append(contentsOf: chunk)
                }
            } catch CVESourceError.tooLarge {
                try await add("\(label)/\(name)", Array(repeating: 0, count: maximumBytes + 1), flush: flush)
                continue
            } catch {
                throw CommandFailure(message: "\(label)/\(name): cannot extract (\(error))")
            }
            guard CRC32.checksum(bytes) == entry.checksum else {
                throw CommandFailure(message: "\(label)/\(name): its CRC-32 does not match the archive's (damaged archive)")
            }
            try await add("\(label)/\(name)", bytes, flush: flush)
        }
    }
}

/// A zip entry that inflates past the record bound.
enum CVESourceError: Error { case tooLarge }

/// A bounded hand-over from one producing task to one consumer: `send` waits while `capacity` elements
/// are waiting, so a fast reader never holds more than that many batches in memory.
actor BoundedPipe<Element: Sendable> {
    private var buffer: [Element] = []
    private var finished = false
    private let capacity: Int
    private var waitingSender: CheckedContinuation<Void, Never>?
    private var waitingReceiver: CheckedContinuation<Void, Never>?

    init(capacity: Int) { self.capacity = capacity }

    func send(_ element: Element) async {
        while buffer.count >= capacity { await withCheckedContinuation { waitingSender = $0 } }
        buffer.append(element)
        waitingReceiver?.resume()
        waitingReceiver = nil
    }

    /// No more elements: `receive` returns nil once the buffer is empty.
    func finish() {
        finished = true
        waitingReceiver?.resume()
        waitingReceiver = nil
    }

    func receive() async -> Element? {
        while buffer.isEmpty && !finished { await withCheckedContinuation { waitingReceiver = $0 } }
        guard !buffer.isEmpty else { return nil }
        let element = buffer.removeFirst()
        waitingSender?.resume()
        waitingSender = nil
        return element
    }
}

/// CRC-32 (ISO-HDLC, the zip checksum), eight bytes a step with eight tables.
enum CRC32 {
    static let tables: [[UInt32]] = {
        var tables = Array(repeating: Array(repeating: UInt32(0), count: 256), count: 8)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[0][n] = c
        }
        for n in 0..<256 {
            for k in 1..<8 { tables[k][n] = (tables[k - 1][n] >> 8) ^ tables[0][Int(tables[k - 1][n] & 0xFF)] }
        }
        return tables
    }()

    static let flat: [UInt32] = tables.flatMap { $0 }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        flat.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { b in
                var crc: UInt32 = 0xFFFF_FFFF
                var i = 0
                let count = b.count
                while i + 8 <= count {
                    let one = crc ^ (UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24)
                    let two = UInt32(b[i + 4]) | UInt32(b[i + 5]) << 8 | UInt32(b[i + 6]) << 16 | UInt32(b[i + 7]) << 24
                    crc =
                        t[7 * 256 + Int(one & 0xFF)] ^ t[6 * 256 + Int((one >> 8) & 0xFF)]
                        ^ t[5 * 256 + Int((one >> 16) & 0xFF)] ^ t[4 * 256 + Int(one >> 24)]
                        ^ t[3 * 256 + Int(two & 0xFF)] ^ t[2 * 256 + Int((two >> 8) & 0xFF)]
                        ^ t[1 * 256 + Int((two >> 16) & 0xFF)] ^ t[Int(two >> 24)]
                    i += 8
                }
                while i < count {
                    crc = t[Int((crc ^ UInt32(b[i])) & 0xFF)] ^ (crc >> 8)
                    i += 1
                }
                return crc ^ 0xFFFF_FFFF
            }
        }
    }
}
