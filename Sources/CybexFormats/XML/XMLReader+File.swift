import Foundation

extension XMLReader {
    /// Reads the XML document in the file at `path` (`-` for standard input). A regular file
    /// larger than `limits.maxBytes` is refused from its size, before a byte of it is read; a pipe
    /// is read up to one byte past the limit, then refused.
    public static func parse(fileAtPath path: String, limits: XMLLimits = .default) throws(XMLError) -> XMLTree.Document {
        try parse(readBounded(path, maxBytes: limits.maxBytes), limits: limits)
    }

    /// The bytes of the file at `path` (`-` for standard input), refused with ``XMLError/Code/tooLarge``
    /// past `maxBytes` without reading more than one byte beyond it.
    public static func readBounded(_ path: String, maxBytes: Int) throws(XMLError) -> [UInt8] {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw XMLError(
                    code: .unreadable, line: 0, column: 0, message: "\(path): cannot read the file (missing or not readable)")
            }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        if path != "-", let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int, size > maxBytes
        {
            throw tooLarge(size: "\(size) bytes", maxBytes: maxBytes)
        }
        var bytes: [UInt8] = []
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: min(1 << 20, maxBytes + 1 - bytes.count))
            } catch {
                throw XMLError(code: .unreadable, line: 0, column: 0, message: "\(path): \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            bytes.append(contentsOf: chunk)
            if bytes.count > maxBytes { throw tooLarge(size: "more than \(maxBytes) bytes", maxBytes: maxBytes) }
        }
        return bytes
    }

    static func tooLarge(size: String, maxBytes: Int) -> XMLError {
        XMLError(code: .tooLarge, line: 1, column: 1, message: "the document is \(size); at most \(maxBytes) are accepted")
    }
}
