import HTTPTypes
import Hummingbird
import NIOCore

/// Reads a request body into one byte array, sized from `Content-Length` when it is declared.
///
/// `Request.collectBody` keeps a `ByteBuffer` in the request (grown by doubling) that the handler
/// then copies into an array, so a large envelope was held twice while it was ingested; this holds
/// it once (BENCHMARKS.md, "Memory under concurrent large posts").
enum RequestBytes {
    /// The body of `request`, at most `maxSize` bytes; throws `NIOTooManyBytesError` beyond, as
    /// `collectBody(upTo:)` does.
    static func collect(_ request: Request, upTo maxSize: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > 0 {
            bytes.reserveCapacity(min(declared, maxSize))
        }
        for try await chunk in request.body {
            guard bytes.count + chunk.readableBytes <= maxSize else { throw NIOTooManyBytesError(maxBytes: maxSize) }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }
}
