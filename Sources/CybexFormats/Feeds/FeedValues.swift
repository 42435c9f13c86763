public import CybexCore
import Foundation

/// One value a feed lists, in the index's written form, with the line it came from.
public struct FeedValue: Sendable, Hashable {
    public var observable: Observable
    public var line: Int

    public init(observable: Observable, line: Int) {
        self.observable = observable
        self.line = line
    }
}

/// Reads the values of CSV and plain-list feeds (``Feed/Format/csv``, ``Feed/Format/list``): a
/// column of a delimited file, or one value a line. Each value is normalised as the index keeps its
/// kind (``ObservableNormaliser``); its kind is the feed's (`kind` in its settings) or inferred from
/// the value. A value that is not of the kind, or whose kind cannot be told, refuses the whole pull
/// with its line: a feed whose layout changed must not be stored half-read.
public enum FeedValues {
    public struct FeedError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        public init(_ message: String) { self.message = message }
    }

    /// The kinds a feed's values may be, by the names settings and `cybex feed add --type` use.
    public static let kinds: [String: Observable.Kind] = [
        "ipv4-addr": .ipv4, "ipv6-addr": .ipv6, "domain-name": .domain, "url": .url, "email-addr": .email,
        "md5": .md5, "sha-1": .sha1, "sha-256": .sha256, "sha-512": .sha512, "autonomous-system": .autonomousSystem,
    ]

    /// The most values one pull reads.
    public static let maxValues = 5_000_000

    public static func read(_ bytes: [UInt8], format: Feed.Format, settings: FeedSettings) throws(FeedError) -> [FeedValue] {
        var kind: Observable.Kind?
        if let name = settings.kind {
            guard let named = kinds[name] else {
                throw FeedError("'\(name)' is not a value type; use \(kinds.keys.sorted().joined(separator: ", "))")
            }
            kind = named
        }
        var limits = DelimitedText.Limits()
        let delimiter: UInt8
        switch format {
        case .list:
            // One value a line: nothing splits it.
            delimiter = 0
            limits.quotes = false
        case .csv:
            guard settings.delimiter.utf8.count == 1, let byte = settings.delimiter.utf8.first else {
                throw FeedError("the delimiter must be one character, such as , ; | or a tab")
            }
            delimiter = byte
        case .misp, .taxii, .csaf:
            throw FeedError("a \(format.rawValue) feed has no values to read")
        }
        var iterator = DelimitedText(bytes, delimiter: delimiter, limits: limits).makeIterator()
        var column = 0
        var first = true
        var values: [FeedValue] = []
        var seen: Set<Observable> = []
        while true {
            let record: DelimitedText.Record?
            do {
                record = try iterator.nextRecord()
            } catch {
                throw FeedError(error.description)
            }
            guard let record else { break }
            if first, format == .csv {
                first = false
                column = try self.column(settings.column, header: settings.header ? record.fields : nil)
                if settings.header { continue }
            }
            guard column < record.fields.count else {
                throw FeedError("line \(record.line): no column \(column + 1) (\(record.fields.count) fields)")
            }
            let text = Self.trimmed(record.fields[column])
            if text.isEmpty { continue }
            let observable = try self.observable(text, kind: kind, line: record.line)
            guard seen.insert(observable).inserted else { continue }
            guard values.count < maxValues else { throw FeedError("more than \(maxValues) values") }
            values.append(FeedValue(observable: observable, line: record.line))
        }
        return values
    }

    /// `field` without leading and trailing blanks (tab and Unicode's space separators). A field
    /// that begins and ends with printable ASCII is returned as it is, without Foundation's scan.
    static func trimmed(_ field: String) -> String {
        let isPrintableASCII = { (byte: UInt8) in byte > 0x20 && byte < 0x7F }
        if let first = field.utf8.first, let last = field.utf8.last, isPrintableASCII(first), isPrintableASCII(last) {
            return field
        }
        return field.trimmingCharacters(in: .whitespaces)
    }

    static func column(_ setting: String, header: [String]?) throws(FeedError) -> Int {
        if let number = Int(setting) {
            guard number >= 1 else { throw FeedError("columns are numbered from 1") }
            return number - 1
        }
        guard let header, let index = header.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == setting }) else {
            throw FeedError("no column named '\(setting)' in the header line")
        }
        return index
    }

    /// The observable `text` is: of `kind` when given (it must be well formed as one), else the
    /// one kind it fits (an address or range, a URL, an e-mail address, a domain, a hash, `AS…`).
    static func observable(_ text: String, kind: Observable.Kind?, line: Int) throws(FeedError) -> Observable {
        let fitting = ObservableNormaliser.fitting(text).filter { kinds.values.contains($0.kind) }
        if let kind {
            let wanted: Set<Observable.Kind> = kind == .ipv4 || kind == .ipv6 ? [.ipv4, .ipv6] : [kind]
            guard let found = fitting.first(where: { wanted.contains($0.kind) }) else {
                throw FeedError(
                    "line \(line): '\(ControlCharacters.escaped(String(text.prefix(64))))' is not \(kind.rawValue)")
            }
            return found
        }
        // A bare e-mail address also fits as a domain-less value; a URL is never also a domain.
        let preferred: [Observable.Kind] = [
            .ipv4, .ipv6, .url, .email, .md5, .sha1, .sha256, .sha512, .autonomousSystem, .domain,
        ]
        for candidate in preferred {
            if let found = fitting.first(where: { $0.kind == candidate }) { return found }
        }
        throw FeedError(
            "line \(line): cannot tell what '\(ControlCharacters.escaped(String(text.prefix(64))))' is; set the feed's value type"
        )
    }
}
