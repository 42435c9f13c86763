import PostgresNIO

/// Rows in the text format of PostgreSQL's `COPY … FROM STDIN`: columns separated by tabs, rows
/// ended by a newline, `\N` for NULL, backslash, tab, newline and carriage return escaped, and
/// `bytea` values as `\\x` followed by hex digits.
struct COPYTextRow {
    var buffer = ByteBuffer()
    private var atRowStart = true

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func separate() {
        if !atRowStart { buffer.writeInteger(UInt8(ascii: "\t")) }
        atRowStart = false
    }

    mutating func text(_ value: String?) {
        separate()
        guard var value else { return writeNull() }
        value.withUTF8 { bytes in
            var start = 0
            for (offset, byte) in bytes.enumerated() {
                let escaped: UInt8
                switch byte {
                case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                default: continue
                }
                buffer.writeBytes(bytes[start..<offset])
                buffer.writeInteger(UInt8(ascii: "\\"))
                buffer.writeInteger(escaped)
                start = offset + 1
            }
            buffer.writeBytes(bytes[start...])
        }
    }

    mutating func integer(_ value: Int64?) {
        separate()
        guard let value else { return writeNull() }
        buffer.writeString(String(value))
    }

    mutating func boolean(_ value: Bool) {
        separate()
        buffer.writeInteger(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    mutating func bytes(_ value: [UInt8]) {
        separate()
        buffer.writeStaticString("\\\\x")
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: value.count * 2) { out in
            for (offset, byte) in value.enumerated() {
                out[offset * 2] = Self.hexDigits[Int(byte >> 4)]
                out[offset * 2 + 1] = Self.hexDigits[Int(byte & 0x0f)]
            }
            return value.count * 2
        }
    }

    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        atRowStart = true
    }

    private mutating func writeNull() {
        buffer.writeStaticString("\\N")
    }
}
