/// Writes an ``XMLTree`` as UTF-8 XML: a declaration, the root's namespace as the default one,
/// other namespaces under the prefixes the caller prefers (declared where first needed), text
/// and attribute values escaped so that ``XMLReader`` reads back exactly what was written.
///
/// Elements that hold only elements are indented; white space between them is not content and is
/// dropped. An element with text keeps its children exactly.
public enum XMLWriter {
    /// The document's bytes. `prefixes` maps namespace URIs to the prefix to write them with
    /// (others get `ns1`, `ns2`, …).
    public static func bytes(_ root: XMLTree.Element, prefixes: [String: String] = [:], indent: Bool = true) -> [UInt8] {
        var writer = Writer(preferred: prefixes, indent: indent)
        writer.out.append(contentsOf: #"<?xml version="1.0" encoding="UTF-8"?>"#.utf8)
        writer.out.append(0x0A)
        writer.write(root, depth: 0, defaultNamespace: nil, scope: [:])
        writer.out.append(0x0A)
        return writer.out
    }

    /// One element as XML text without a declaration or indentation (its namespaces declared on
    /// it): a fragment that ``XMLReader`` reads back as that element.
    public static func fragment(_ element: XMLTree.Element, prefixes: [String: String] = [:]) -> String {
        var writer = Writer(preferred: prefixes, indent: false)
        writer.write(element, depth: 0, defaultNamespace: nil, scope: [:])
        return String(decoding: writer.out, as: UTF8.self)
    }

    /// The document as a string.
    public static func string(_ root: XMLTree.Element, prefixes: [String: String] = [:], indent: Bool = true) -> String {
        String(decoding: bytes(root, prefixes: prefixes, indent: indent), as: UTF8.self)
    }

    struct Writer {
        let preferred: [String: String]
        let indent: Bool
        var out: [UInt8] = []
        var generated = 0

        init(preferred: [String: String], indent: Bool) {
            self.preferred = preferred
            self.indent = indent
            out.reserveCapacity(4096)
        }

        /// `scope` maps the namespaces bound to a prefix in scope to that prefix.
        mutating func write(_ element: XMLTree.Element, depth: Int, defaultNamespace: String?, scope: [String: String]) {
            var scope = scope
            var declarations: [(prefix: String?, uri: String)] = []
            var elementDefault = defaultNamespace
            let qualified: String
            if element.name.namespace == defaultNamespace {
                qualified = element.name.local
            } else if depth == 0 || element.name.namespace == nil {
                // The root declares its namespace the default one; a name in no namespace under a
                // default one undeclares it.
                elementDefault = element.name.namespace
                declarations.append((nil, element.name.namespace ?? ""))
                qualified = element.name.local
            } else {
                let uri = element.name.namespace ?? ""
                let prefix = prefix(for: uri, scope: &scope, declarations: &declarations)
                qualified = prefix + ":" + element.name.local
            }
            var attributeNames: [String] = []
            for attribute in element.attributes {
                guard let uri = attribute.name.namespace else {
                    attributeNames.append(attribute.name.local)
                    continue
                }
                if uri == XMLReader.xmlNamespace {
                    attributeNames.append("xml:" + attribute.name.local)
                } else {
                    attributeNames.append(
                        prefix(for: uri, scope: &scope, declarations: &declarations) + ":" + attribute.name.local)
                }
            }
            out.append(UInt8(ascii: "<"))
            out.append(contentsOf: qualified.utf8)
            for declaration in declarations {
                out.append(contentsOf: (declaration.prefix.map { " xmlns:" + $0 } ?? " xmlns").utf8)
                out.append(contentsOf: "=\"".utf8)
                escape(declaration.uri, attribute: true)
                out.append(UInt8(ascii: "\""))
            }
            for (name, attribute) in zip(attributeNames, element.attributes) {
                out.append(0x20)
                out.append(contentsOf: name.utf8)
                out.append(contentsOf: "=\"".utf8)
                escape(attribute.value, attribute: true)
                out.append(UInt8(ascii: "\""))
            }
            let onlyElements = !element.hasSignificantText
            let children =
                onlyElements ? element.children.filter { if case .element = $0 { true } else { false } } : element.children
            if children.isEmpty {
                out.append(contentsOf: "/>".utf8)
                return
            }
            out.append(UInt8(ascii: ">"))
            for child in children {
                switch child {
                case .element(let inner):
                    if onlyElements && indent { newline(depth: depth + 1) }
                    write(inner, depth: depth + 1, defaultNamespace: elementDefault, scope: scope)
                case .text(let text):
                    escape(text, attribute: false)
                }
            }
            if onlyElements && indent { newline(depth: depth) }
            out.append(contentsOf: "</".utf8)
            out.append(contentsOf: qualified.utf8)
            out.append(UInt8(ascii: ">"))
        }

        mutating func prefix(for uri: String, scope: inout [String: String], declarations: inout [(prefix: String?, uri: String)])
            -> String
        {
            if let bound = scope[uri] { return bound }
            var prefix = preferred[uri] ?? ""
            let taken = Set(scope.values)
            if prefix.isEmpty || prefix == "xml" || prefix == "xmlns" || taken.contains(prefix) {
                repeat {
                    generated += 1
                    prefix = "ns\(generated)"
                } while taken.contains(prefix)
            }
            scope[uri] = prefix
            declarations.append((prefix, uri))
            return prefix
        }

        mutating func newline(depth: Int) {
            out.append(0x0A)
            for _ in 0..<depth { out.append(contentsOf: "  ".utf8) }
        }

        mutating func escape(_ text: String, attribute: Bool) {
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\"") where attribute: out.append(contentsOf: "&quot;".utf8)
                case 0x0D: out.append(contentsOf: "&#13;".utf8)
                case 0x0A where attribute: out.append(contentsOf: "&#10;".utf8)
                case 0x09 where attribute: out.append(contentsOf: "&#9;".utf8)
                default: out.append(byte)
                }
            }
        }
    }
}
