import CybexCore
extension ObservableNormaliser {
    /// The canonical form of a URL, by the syntax-based and scheme-based normalisation of RFC 3986
    /// (section 6.2.2, 6.2.3); nil when `text` has no valid scheme.
    ///
    /// - the scheme in lower case;
    /// - the host in lower case, an internationalised name as A-labels (``domain(_:)``), an IP
    ///   literal in its canonical text (`[2001:db8::1]`), a final dot dropped;
    /// - the port without leading zeros, dropped when it is the scheme's default (`http` 80, `https`
    ///   443, `ftp` 21, `ws` 80, `wss` 443) or empty;
    /// - percent-encoding normalised in every component: escapes in upper case, escapes of
    ///   unreserved characters (`A–Z a–z 0–9 - . _ ~`) decoded, and characters a URL may not carry
    ///   (white space, controls, non-ASCII as UTF-8, `" < > \ ^ ` { | }`, a `%` that starts no
    ///   escape) encoded;
    /// - dot segments (`/a/./b/../c` → `/a/c`) removed from the path;
    /// - an empty path of an `http`, `https`, `ws` or `wss` URL written `/`.
    ///
    /// The user information, path, query and fragment otherwise keep their case and order.
    public static func canonicalURL(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0,
            isAlpha(bytes[0]),
            bytes[..<colon].allSatisfy({ isAlpha($0) || isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { return nil }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        var rest = bytes[(colon + 1)...]
        var fragment: ArraySlice<UInt8>?
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            fragment = rest[(hash + 1)...]
            rest = rest[..<hash]
        }
        var query: ArraySlice<UInt8>?
        if let mark = rest.firstIndex(of: UInt8(ascii: "?")) {
            query = rest[(mark + 1)...]
            rest = rest[..<mark]
        }
        var output = scheme + ":"
        var path = rest
        var hasAuthority = false
        if rest.starts(with: [0x2F, 0x2F]) {
            hasAuthority = true
            let start = rest.startIndex + 2
            let end = rest[start...].firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            guard let authority = authority(rest[start..<end], scheme: scheme) else { return nil }
            output += "//" + authority
            path = rest[end...]
        }
        var normalisedPath = percentNormalised(path)
        if hasAuthority || normalisedPath.hasPrefix("/") { normalisedPath = removingDotSegments(normalisedPath) }
        if hasAuthority, normalisedPath.isEmpty, ["http", "https", "ws", "wss"].contains(scheme) { normalisedPath = "/" }
        output += normalisedPath
        if let query { output += "?" + percentNormalised(query) }
        if let fragment { output += "#" + percentNormalised(fragment) }
        return output
    }

    static let defaultPorts: [String: String] = ["http": "80", "https": "443", "ftp": "21", "ws": "80", "wss": "443"]

    /// `[userinfo@]host[:port]`, normalised; nil when an IP literal does not parse.
    static func authority(_ bytes: ArraySlice<UInt8>, scheme: String) -> String? {
        var userinfo: String?
        var hostPort = bytes
        if let at = bytes.lastIndex(of: UInt8(ascii: "@")) {
            userinfo = percentNormalised(bytes[..<at])
            hostPort = bytes[(at + 1)...]
        }
        var host: String
        var port: ArraySlice<UInt8>?
        if hostPort.first == UInt8(ascii: "[") {
            guard let close = hostPort.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            let literal = String(decoding: hostPort[(hostPort.startIndex + 1)..<close], as: UTF8.self)
            guard let bytes = IPNetwork.addressBytes(literal), bytes.count == 16 else { return nil }
            host = "[" + IPNetwork.text(bytes) + "]"
            let after = hostPort[(close + 1)...]
            if after.first == UInt8(ascii: ":") { port = after.dropFirst() } else if !after.isEmpty { return nil }
        } else {
            var name = hostPort
            if let colon = hostPort.lastIndex(of: UInt8(ascii: ":")), hostPort[(colon + 1)...].allSatisfy(isDigit) {
                port = hostPort[(colon + 1)...]
                name = hostPort[..<colon]
            }
            let decoded = percentDecoded(name)
            if let v4 = IPNetwork.ipv4Bytes(Substring(decoded)) {
                host = IPNetwork.text(v4)
            } else {
                host = domain(decoded) ?? percentNormalised(name).lowercased()
            }
        }
        var result = userinfo.map { $0 + "@" } ?? ""
        result += host
        if let port {
            let digits = String(decoding: port.drop(while: { $0 == UInt8(ascii: "0") }), as: UTF8.self)
            let number = port.isEmpty ? "" : (digits.isEmpty ? "0" : digits)
            if !number.isEmpty, number != defaultPorts[scheme] { result += ":" + number }
        }
        return result
    }

    /// RFC 3986 section 5.2.4.
    static func removingDotSegments(_ path: String) -> String {
        var input = Substring(path)
        var output: [Substring] = []  // each segment with its leading "/", when it has one
        while !input.isEmpty {
            if input.hasPrefix("../") {
                input = input.dropFirst(3)
            } else if input.hasPrefix("./") {
                input = input.dropFirst(2)
            } else if input.hasPrefix("/./") {
                input = input.dropFirst(2)
            } else if input == "/." {
                input = "/"
            } else if input.hasPrefix("/../") {
                input = input.dropFirst(3)
                if !output.isEmpty { output.removeLast() }
            } else if input == "/.." {
                input = "/"
                if !output.isEmpty { output.removeLast() }
            } else if input == "." || input == ".." {
                input = ""
            } else {
                let start = input.hasPrefix("/") ? input.index(after: input.startIndex) : input.startIndex
                let end = input[start...].firstIndex(of: "/") ?? input.endIndex
                output.append(input[..<end])
                input = input[end...]
            }
        }
        return output.joined()
    }

    /// The component with its percent-encoding normalised (see ``canonicalURL(_:)``).
    static func percentNormalised(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                let decoded = high << 4 | low
                if isUnreserved(decoded) { out.append(decoded) } else { appendEscape(decoded, to: &out) }
                index += 3
                continue
            }
            if byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "%") || disallowed.contains(byte) {
                appendEscape(byte, to: &out)
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The component with every valid escape decoded (for a host name, before IDNA); as given when
    /// the decoded bytes are not UTF-8.
    static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(validating: out, as: UTF8.self) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// ASCII characters a URL may not carry unescaped (RFC 3986 appendix A excludes them).
    static let disallowed: Set<UInt8> = Set(#""<>\^`{|}"#.utf8)

    static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    static func isAlpha(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
    }
}
