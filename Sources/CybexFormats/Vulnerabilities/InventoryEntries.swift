public import CybexCore
import Foundation

/// Inventories as people write them (docs/VULNERABILITIES.md, "Inventories"): items checked and put in the
/// one written form ``InventoryItem`` keeps, from REST bodies, CSV files and CycloneDX SBOMs.
///
/// An item is a CPE 2.3 name (formatted string, URI or WFN; kept as a formatted string), a package URL
/// (kept canonical), or a vendor and product (kept as the CPE `cpe:2.3:a:VENDOR:PRODUCT:VERSION:…`, spaces
/// written `_`). A separate version fills a name that has none and must agree with one that has.
public enum InventoryEntries {
    public struct EntryError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    /// The item for one entry: exactly one of `cpe`, `purl`, or `vendor` with `product`.
    public static func item(
        cpe: String? = nil, purl: String? = nil, vendor: String? = nil, product: String? = nil, version: String? = nil,
        note: String? = nil
    ) throws(EntryError) -> InventoryItem {
        let trimmed = { (text: String?) -> String? in
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        let (cpe, purl, vendor, product, version) = (
            trimmed(cpe), trimmed(purl), trimmed(vendor), trimmed(product), trimmed(version)
        )
        let note = trimmed(note)
        if let note {
            guard note.count <= InventoryItem.maxNoteLength, !ControlCharacters.contains(in: note) else {
                throw EntryError("a note longer than \(InventoryItem.maxNoteLength) characters or with control characters")
            }
        }
        for text in [cpe, purl, vendor, product, version].compactMap({ $0 }) {
            guard text.utf8.count <= InventoryItem.maxValueLength, !ControlCharacters.contains(in: text) else {
                throw EntryError("a value longer than \(InventoryItem.maxValueLength) bytes or with control characters")
            }
        }
        let given = [cpe != nil, purl != nil, vendor != nil || product != nil].filter { $0 }.count
        guard given == 1 else {
            throw EntryError(
                given == 0
                    ? "an item needs a cpe, a purl, or a vendor and a product"
                    : "an item is one of a cpe, a purl, or a vendor and a product")
        }
        if let purl { return try purlItem(purl, version: version, note: note) }
        let name: CPEName
        if let cpe {
            do {
                name = try CPEName(parsing: cpe)
            } catch {
                throw EntryError("'\(ControlCharacters.escaped(String(cpe.prefix(96))))' is not a CPE name: \(error.message)")
            }
        } else {
            guard let vendor, let product else { throw EntryError("an item by name needs both a vendor and a product") }
            name = try cpeName(vendor: vendor, product: product)
        }
        return try cpeItem(name, version: version, note: note)
    }

    static func purlItem(_ text: String, version: String?, note: String?) throws(EntryError) -> InventoryItem {
        var purl: PackageURL
        do {
            purl = try PackageURL(parsing: text)
        } catch {
            throw EntryError("'\(ControlCharacters.escaped(String(text.prefix(96))))' is not a package URL: \(error.message)")
        }
        if let version {
            if let own = purl.version {
                guard own == version else { throw EntryError("\(purl.canonical) has version \(own), not \(version)") }
            } else {
                do {
                    purl = try PackageURL(
                        type: purl.type, namespace: purl.namespace.isEmpty ? nil : purl.namespace.joined(separator: "/"),
                        name: purl.name, version: version, qualifiers: purl.qualifiers,
                        subpath: purl.subpath.isEmpty ? nil : purl.subpath.joined(separator: "/"))
                } catch {
                    throw EntryError("version '\(version)': \(error.message)")
                }
            }
        }
        return InventoryItem(kind: .purl, value: purl.canonical, note: note)
    }

    static func cpeItem(_ name: CPEName, version: String?, note: String?) throws(EntryError) -> InventoryItem {
        var name = name
        for (attribute, value) in [("vendor", name.vendor), ("product", name.product)] {
            guard case .value(let text) = value, !text.hasWildcards else {
                throw EntryError("\(name.formattedString): an inventory item names its \(attribute), without wildcards")
            }
        }
        if let version {
            let given = try cpeValue(version, attribute: "version")
            switch name.version {
            case .any: name.values[3] = .value(given)
            case .value(let own) where own == given: break
            default: throw EntryError("\(name.formattedString) has another version than \(version)")
            }
        }
        return InventoryItem(kind: .cpe, value: name.formattedString, note: note)
    }

    /// `cpe:2.3:a:VENDOR:PRODUCT:*:…` for names as people write them.
    static func cpeName(vendor: String, product: String) throws(EntryError) -> CPEName {
        let values: [CPEValue] =
            [
                .value(try cpeValue("a", attribute: "part")), .value(try cpeValue(vendor, attribute: "vendor")),
                .value(try cpeValue(product, attribute: "product")),
            ] + Array(repeating: .any, count: 8)
        return CPEName(values: values)
    }

    /// A WFN value for plain text: spaces become `_`, other punctuation is quoted, wildcards included.
    static func cpeValue(_ text: String, attribute: String) throws(EntryError) -> CPEString {
        var written = ""
        for character in text {
            if character == " " {
                written.append("_")
            } else if let byte = character.asciiValue, byte > 0x20, byte < 0x7F {
                if CPEString.isPlain(byte) { written.append(character) } else { written += "\\" + String(character) }
            } else {
                throw EntryError("\(attribute) '\(ControlCharacters.escaped(text))' has a character a CPE name cannot hold")
            }
        }
        do {
            return try CPEString(Array(written), form: .wfn, attribute: attribute)
        } catch {
            throw EntryError(error.message)
        }
    }

    /// The items of a CSV file, in file order without repeats (an item given again keeps the last note);
    /// errors name the line. The header names the columns, in any order: `cpe`, `purl`, `vendor`,
    /// `product`, `version`, `note` (`name`/`description` read as `note`). Lines starting with `#` are
    /// comments.
    public static func csv(_ bytes: [UInt8]) throws(EntryError) -> [InventoryItem] {
        var iterator = DelimitedText(bytes).makeIterator()
        var columns: [String: Int]?
        var items: [InventoryItem] = []
        var positions: [InventoryItem.Key: Int] = [:]
        do {
            while let record = try iterator.nextRecord() {
                let fields = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
                guard let named = columns else {
                    var found: [String: Int] = [:]
                    for (index, name) in fields.enumerated() {
                        let key = ["name": "note", "description": "note"][name.lowercased()] ?? name.lowercased()
                        guard ["cpe", "purl", "vendor", "product", "version", "note"].contains(key) else {
                            throw EntryError(
                                "line \(record.line): unknown column '\(ControlCharacters.escaped(String(name.prefix(32))))'; "
                                    + "the header names cpe, purl, vendor, product, version and note")
                        }
                        guard found[key] == nil else { throw EntryError("line \(record.line): column \(key) is named twice") }
                        found[key] = index
                    }
                    guard found["cpe"] != nil || found["purl"] != nil || (found["vendor"] != nil && found["product"] != nil)
                    else {
                        throw EntryError("line \(record.line): the header needs a cpe, a purl, or a vendor and a product column")
                    }
                    columns = found
                    continue
                }
                let field = { (name: String) -> String? in
                    guard let index = named[name], index < fields.count, !fields[index].isEmpty else { return nil }
                    return fields[index]
                }
                let item: InventoryItem
                do {
                    item = try Self.item(
                        cpe: field("cpe"), purl: field("purl"), vendor: field("vendor"), product: field("product"),
                        version: field("version"), note: field("note"))
                } catch {
                    throw EntryError("line \(record.line): \(error.message)")
                }
                try append(item, to: &items, positions: &positions)
            }
        } catch let error as DelimitedText.ReadError {
            throw EntryError(error.description)
        } catch let error as EntryError {
            throw error
        } catch {
            throw EntryError("\(error)")
        }
        return items
    }

    static func append(_ item: InventoryItem, to items: inout [InventoryItem], positions: inout [InventoryItem.Key: Int])
        throws(EntryError)
    {
        if let position = positions[item.key] {
            items[position].note = item.note ?? items[position].note
            return
        }
        guard items.count < InventoryItem.maxItems else { throw EntryError("more than \(InventoryItem.maxItems) items") }
        positions[item.key] = items.count
        items.append(item)
    }

    /// What a CycloneDX SBOM gives an inventory: every component (nested ones and the metadata's
    /// component included) with a `purl` or a `cpe` (the purl when it has both), its `version` filling a
    /// name without one; components with neither are counted in `skipped`. JSON only (`bomFormat`
    /// `CycloneDX`, spec versions 1.2 to 1.6); the document is read with bounded depth.
    public static func cycloneDX(_ bytes: [UInt8]) throws(EntryError) -> (items: [InventoryItem], skipped: Int) {
        let document: JSONValue
        do {
            document = try JSONReader.parse(bytes, limits: JSONLimits(maxDepth: 64, maxStringBytes: 1 << 20))
        } catch {
            throw EntryError("not a JSON document: \(error.message)")
        }
        guard document["bomFormat"]?.stringValue == "CycloneDX" else {
            throw EntryError("not a CycloneDX SBOM: bomFormat must be \"CycloneDX\" (CycloneDX JSON)")
        }
        guard let spec = document["specVersion"]?.stringValue, ["1.2", "1.3", "1.4", "1.5", "1.6"].contains(spec) else {
            throw EntryError("specVersion must be one of 1.2 to 1.6")
        }
        var items: [InventoryItem] = []
        var positions: [InventoryItem.Key: Int] = [:]
        var skipped = 0
        var pending: [(JSONValue, String)] = []
        if let component = document["metadata"]?["component"] { pending.append((component, "metadata.component")) }
        for (index, component) in (document["components"]?.arrayValue ?? []).enumerated() {
            pending.append((component, "components[\(index)]"))
        }
        while let (component, path) = pending.popLast() {
            for (index, child) in (component["components"]?.arrayValue ?? []).enumerated() {
                pending.append((child, "\(path).components[\(index)]"))
            }
            let purl = component["purl"]?.stringValue
            let cpe = purl == nil ? component["cpe"]?.stringValue : nil
            guard purl != nil || cpe != nil else {
                skipped += 1
                continue
            }
            let version = component["version"]?.stringValue
            let item: InventoryItem
            do {
                item = try Self.item(cpe: cpe, purl: purl, version: version, note: component["name"]?.stringValue)
            } catch {
                // A version that disagrees with the name: the name's own version is kept.
                do {
                    item = try Self.item(cpe: cpe, purl: purl, note: component["name"]?.stringValue)
                } catch {
                    throw EntryError("\(path): \(error.message)")
                }
            }
            try append(item, to: &items, positions: &positions)
        }
        return (items, skipped)
    }
}
