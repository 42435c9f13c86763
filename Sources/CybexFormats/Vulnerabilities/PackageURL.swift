/// Package URLs (github.com/package-url/purl-spec): `pkg:type/namespace/name@version?qualifiers#subpath`,
/// read as the specification's parsing steps go (right to left), built in the canonical form (type lower
/// case, each component percent-encoded, qualifiers without empty values sorted by key, subpath without
/// `.`, `..` and empty segments), with the rules of the registered types Cybex knows (which need or forbid
/// a namespace, which fold case, which qualifiers are required). docs/VULNERABILITIES.md, "Package URLs",
/// says where the specification's tests disagree with each other and which side Cybex takes.
public struct PackageURL: Sendable, Hashable, CustomStringConvertible {
    public let type: String
    /// The namespace's segments, decoded (empty: none).
    public let namespace: [String]
    public let name: String
    public let version: String?
    /// Qualifiers by key (lower case), values decoded, sorted by key, none empty.
    public let qualifiers: [(key: String, value: String)]
    /// The subpath's segments, decoded.
    public let subpath: [String]

    public static func == (a: PackageURL, b: PackageURL) -> Bool { a.canonical == b.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }

    /// The longest package URL read.
    public static let maximumLength = 8_192

    /// Builds a package URL from its components, applying its type's rules.
    public init(
        type: String, namespace: String? = nil, name: String, version: String? = nil,
        qualifiers: [(key: String, value: String)] = [], subpath: String? = nil
    ) throws(PackageURLError) {
        let type = type.lowercased()
        try Self.checkType(type)
        let segments = (namespace ?? "").split(separator: "/").map(String.init)
        var seen: Set<String> = []
        var kept: [(key: String, value: String)] = []
        for (key, value) in qualifiers {
            let key = key.lowercased()
            try Self.checkQualifierKey(key)
            guard seen.insert(key).inserted else { throw PackageURLError("qualifier \(key) is given twice") }
            if !value.isEmpty { kept.append((key, value)) }
        }
        let path = (subpath ?? "").split(separator: "/").map(String.init).filter { $0 != "." && $0 != ".." }
        try self.init(
            checkedType: type, namespace: segments, name: name.trimmingSlashes,
            version: version.flatMap { $0.isEmpty ? nil : $0 },
            qualifiers: kept, subpath: path)
    }

    private init(
        checkedType type: String, namespace: [String], name: String, version: String?,
        qualifiers: [(key: String, value: String)], subpath: [String]
    ) throws(PackageURLError) {
        guard !name.isEmpty else { throw PackageURLError("a package URL needs a name") }
        var namespace = namespace
        var name = name
        var version = version
        var subpath = subpath
        if let rule = PackageURLTypeRule.rules[type] {
            try rule.apply(
                type: type, namespace: &namespace, name: &name, version: &version, qualifiers: qualifiers,
                subpath: &subpath)
        }
        for segment in namespace + subpath where segment.contains("/") || segment.isEmpty {
            throw PackageURLError("a namespace or subpath segment cannot be empty or hold \"/\"")
        }
        self.type = type
        self.namespace = namespace
        self.name = name
        self.version = version
        self.qualifiers = qualifiers.sorted { $0.key < $1.key }
        self.subpath = subpath
    }

    /// Reads a package URL (the specification's parsing steps, right to left).
    public init(parsing text: String) throws(PackageURLError) {
        guard text.utf8.count <= Self.maximumLength else { throw PackageURLError("longer than \(Self.maximumLength) bytes") }
        var rest = Substring(text)
        // 1. The subpath, after the last '#'.
        var subpath: [String] = []
        if let hash = rest.lastIndex(of: "#") {
            for segment in rest[rest.index(after: hash)...].split(separator: "/", omittingEmptySubsequences: true) {
                let decoded = try Self.decode(segment)
                if decoded == "." || decoded == ".." || decoded.isEmpty { continue }
                if decoded.contains("/") { throw PackageURLError("a subpath segment cannot hold an encoded \"/\"") }
                subpath.append(decoded)
            }
            rest = rest[..<hash]
        }
        // 2. The qualifiers, after the last '?'.
        var qualifiers: [(key: String, value: String)] = []
        if let question = rest.lastIndex(of: "?") {
            var seen: Set<String> = []
            for pair in rest[rest.index(after: question)...].split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(parts[0]).lowercased()
                try Self.checkQualifierKey(key)
                guard seen.insert(key).inserted else { throw PackageURLError("qualifier \(key) is given twice") }
                let value = parts.count == 2 ? try Self.decode(parts[1]) : ""
                if !value.isEmpty { qualifiers.append((key, value)) }
            }
            rest = rest[..<question]
        }
        // 3. The scheme, before the first ':'.
        guard let colon = rest.firstIndex(of: ":"), rest[..<colon].lowercased() == "pkg" else {
            throw PackageURLError("a package URL starts with pkg:")
        }
        rest = rest[rest.index(after: colon)...].drop { $0 == "/" }
        // 4. The type, up to the first '/'.
        guard let slash = rest.firstIndex(of: "/") else { throw PackageURLError("a package URL needs a type and a name") }
        let type = rest[..<slash].lowercased()
        try Self.checkType(type)
        rest = rest[rest.index(after: slash)...]
        // 5. The version, after the last '@' that follows the last '/' (a namespace such as npm's @scope
        //    keeps its '@').
        var version: String?
        let lastSlash = rest.lastIndex(of: "/")
        if let at = rest.lastIndex(of: "@"), lastSlash.map({ at > $0 }) ?? true {
            let decoded = try Self.decode(rest[rest.index(after: at)...])
            version = decoded.isEmpty ? nil : decoded
            rest = rest[..<at]
        }
        // 6. The name, the last segment (an empty one before the version is a missing name).
        // 7. The namespace, the segments before it. (A git name is every segment after the host.)
        if rest.hasSuffix("/") { throw PackageURLError("a package URL needs a name") }
        let segments = rest.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = segments.last else { throw PackageURLError("a package URL needs a name") }
        let name = try Self.decode(last)
        let namespace = try segments.dropLast().map { segment throws(PackageURLError) -> String in
            let decoded = try Self.decode(segment)
            if decoded.contains("/") { throw PackageURLError("a namespace segment cannot hold an encoded \"/\"") }
            return decoded
        }
        try self.init(
            checkedType: type, namespace: namespace, name: name, version: version, qualifiers: qualifiers, subpath: subpath)
    }

    /// The canonical form.
    public var canonical: String {
        var text = "pkg:" + type + "/"
        for segment in namespace { text += Self.encode(segment) + "/" }
        text += encodedName
        if let version { text += "@" + Self.encode(version) }
        if !qualifiers.isEmpty {
            text += "?" + qualifiers.map { $0.key + "=" + Self.encode($0.value) }.joined(separator: "&")
        }
        if !subpath.isEmpty { text += "#" + subpath.map(Self.encode).joined(separator: "/") }
        return text
    }

    public var description: String { canonical }

    /// The package without version, qualifiers and subpath: what an inventory entry and an advisory's
    /// product are compared by.
    public var packageKey: String {
        "pkg:" + type + "/" + namespace.map { Self.encode($0) + "/" }.joined() + encodedName
    }

    /// The name percent-encoded; a type whose names hold `/` (git's owner/repository) keeps it.
    private var encodedName: String {
        guard PackageURLTypeRule.rules[type]?.nameHoldsSlash == true else { return Self.encode(name) }
        return name.split(separator: "/").map { Self.encode(String($0)) }.joined(separator: "/")
    }

    // MARK: Rules

    static func checkType(_ type: String) throws(PackageURLError) {
        let bytes = Array(type.utf8)
        guard let first = bytes.first, (0x61...0x7A).contains(first),
            bytes.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x2D })
        else {
            throw PackageURLError("type \"\(type)\" must start with a letter and hold only letters, digits, . and -")
        }
    }

    static func checkQualifierKey(_ key: String) throws(PackageURLError) {
        let bytes = Array(key.utf8)
        guard let first = bytes.first, (0x61...0x7A).contains(first),
            bytes.allSatisfy({
                (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F
            })
        else {
            throw PackageURLError("qualifier key \"\(key)\" must start with a letter and hold only a-z, 0-9, ., - and _")
        }
    }

    /// Percent-encodes all but `A-Z a-z 0-9 . - _ ~ :` (upper-case hex, UTF-8 bytes).
    static func encode(_ text: String) -> String {
        var out: [UInt8] = []
        for byte in text.utf8 {
            if (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == 0x2E || byte == 0x2D || byte == 0x5F || byte == 0x7E || byte == 0x3A
            {
                out.append(byte)
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                out += [0x25, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-decodes (a `+` stays a `+`); a broken escape or bytes that are not UTF-8 are refused.
    static func decode(_ text: Substring) throws(PackageURLError) -> String {
        guard text.contains("%") else { return String(text) }
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x25 {
                guard index + 2 < bytes.count,
                    let value = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16)
                else { throw PackageURLError("\"\(text)\" has a broken percent-encoding") }
                out.append(value)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        guard let decoded = String(validating: out, as: UTF8.self) else {
            throw PackageURLError("\"\(text)\" does not decode to UTF-8")
        }
        return decoded
    }
}

/// Why a package URL was refused.
public struct PackageURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension String {
    fileprivate var trimmingSlashes: String {
        String(drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
    }
}
