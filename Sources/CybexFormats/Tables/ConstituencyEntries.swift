public import CybexCore
import Foundation

/// A constituency as people write it: entries checked and put in the one written form
/// ``ConstituencyEntry`` keeps, from REST bodies and from CSV files (`cybex constituency import`).
///
/// The CSV file has a header line naming its columns — `value` (required), `type` (`network`, `asn`
/// or `domain`; `kind` is read the same) and `note` (`description` is read the same), in any order —
/// or no header, with the value in the first column and the note in the second. Where the type is
/// not given it is inferred: an address or CIDR range is a network, `AS64500` an AS, anything else
/// a domain. Lines starting with `#` are comments (docs/CORRELATION.md).
public enum ConstituencyEntries {
    public struct EntryError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    /// The entry for `value` of `kind` (nil: inferred), in its written form.
    public static func entry(kind: ConstituencyEntry.Kind?, value raw: String, note: String? = nil)
        throws(EntryError) -> ConstituencyEntry
    {
        let value = raw.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw EntryError("an empty value") }
        guard value.utf8.count <= 512, !ControlCharacters.contains(in: value) else {
            throw EntryError(
                "'\(ControlCharacters.escaped(String(value.prefix(64))))' is not a network, an AS number or a domain")
        }
        let note = note?.trimmingCharacters(in: .whitespaces)
        if let note {
            guard note.count <= ConstituencyEntry.maxNoteLength, !ControlCharacters.contains(in: note) else {
                throw EntryError("a note longer than \(ConstituencyEntry.maxNoteLength) characters or with control characters")
            }
        }
        let kept = note?.isEmpty == false ? note : nil
        let kind = kind ?? inferredKind(value)
        switch kind {
        case .network:
            guard let written = ObservableNormaliser.address(value) else {
                throw EntryError("'\(value)' is not an IPv4 or IPv6 address or CIDR range")
            }
            return ConstituencyEntry(kind: .network, value: written, note: kept)
        case .asn:
            guard let number = ObservableNormaliser.autonomousSystem(value) else {
                throw EntryError("'\(value)' is not an AS number (64500 or AS64500, at most 4294967295)")
            }
            return ConstituencyEntry(kind: .asn, value: number, note: kept)
        case .domain:
            var name = value
            if name.hasPrefix("*.") { name.removeFirst(2) }
            guard IPNetwork(name) == nil, !name.contains("/"), !name.contains("@"), !name.contains(":"),
                let domain = ObservableNormaliser.domain(name)
            else { throw EntryError("'\(value)' is not a domain name") }
            return ConstituencyEntry(kind: .domain, value: domain, note: kept)
        }
    }

    static func inferredKind(_ value: String) -> ConstituencyEntry.Kind {
        if IPNetwork(value) != nil { return .network }
        if value.uppercased().hasPrefix("AS"), ObservableNormaliser.autonomousSystem(value) != nil { return .asn }
        return .domain
    }

    /// The entries of a CSV file, in file order without repeats; errors name the line.
    public static func csv(_ bytes: [UInt8]) throws(EntryError) -> [ConstituencyEntry] {
        var iterator = DelimitedText(bytes).makeIterator()
        var columns: (kind: Int?, value: Int, note: Int?) = (nil, 0, 1)
        var first = true
        var seen: Set<ConstituencyEntry> = []
        var entries: [ConstituencyEntry] = []
        do {
            while let record = try iterator.nextRecord() {
                let fields = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
                if first {
                    first = false
                    let names = fields.map { $0.lowercased() }
                    if let value = names.firstIndex(of: "value") {
                        columns = (
                            names.firstIndex { $0 == "type" || $0 == "kind" }, value,
                            names.firstIndex { $0 == "note" || $0 == "description" }
                        )
                        continue
                    }
                }
                guard columns.value < fields.count else {
                    throw EntryError("line \(record.line): no value in column \(columns.value + 1)")
                }
                var kind: ConstituencyEntry.Kind?
                if let column = columns.kind, column < fields.count, !fields[column].isEmpty {
                    guard let named = ConstituencyEntry.Kind(rawValue: fields[column].lowercased()) else {
                        throw EntryError(
                            "line \(record.line): '\(ControlCharacters.escaped(String(fields[column].prefix(32))))' is not a type; "
                                + "use network, asn or domain")
                    }
                    kind = named
                }
                let note = columns.note.flatMap { $0 < fields.count ? fields[$0] : nil }
                let entry: ConstituencyEntry
                do {
                    entry = try Self.entry(kind: kind, value: fields[columns.value], note: note)
                } catch {
                    throw EntryError("line \(record.line): \(error.message)")
                }
                guard entries.count < ConstituencyEntry.maxEntries else {
                    throw EntryError("more than \(ConstituencyEntry.maxEntries) entries")
                }
                let key = ConstituencyEntry(kind: entry.kind, value: entry.value)
                if seen.insert(key).inserted { entries.append(entry) }
            }
        } catch let error as DelimitedText.ReadError {
            throw EntryError(error.description)
        } catch let error as EntryError {
            throw error
        } catch {
            throw EntryError("\(error)")
        }
        return entries
    }
}
