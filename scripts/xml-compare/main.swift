// Cybex's XML reader beside Foundation's XMLParser (libxml2), side by side in one process:
// the measurement behind docs/IODEF.md, "Why Cybex reads XML itself". Build and run from the
// repository's root:
//
//   swiftc -O -module-name XMLCompare Sources/CybexFormats/XML/*.swift scripts/xml-compare/main.swift -o /tmp/xml-compare
//   /tmp/xml-compare speed 20000        # a document of 20,000 IODEF incidents, parsed 5 times by each
//   /tmp/xml-compare hostile foundation # what XMLParser does with each hostile document (one process each)
//   /tmp/xml-compare hostile cybex
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

func peakRSSKiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}

func incidents(_ count: Int) -> [UInt8] {
    var text = #"<?xml version="1.0" encoding="UTF-8"?><IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">"#
    for n in 0..<count {
        text += """
            <Incident purpose="reporting" restriction="green"><IncidentID name="csirt.example.org">INC-\(n)</IncidentID>\
            <GenerationTime>2026-05-01T10:15:00Z</GenerationTime><Description>SSH brute force &amp; credential theft \(n)</Description>\
            <Contact role="creator" type="organization"><ContactName>Example CSIRT</ContactName><Email><EmailTo>csirt@example.org</EmailTo></Email></Contact>\
            <EventData><Flow><System category="source"><Node><Address category="ipv4-addr">192.0.2.\(n % 250)</Address></Node>\
            <Service ip-protocol="6"><Port>22</Port></Service></System></Flow><Expectation action="block-host" severity="high"/></EventData></Incident>
            """
    }
    return Array((text + "</IODEF-Document>").utf8)
}

final class Counter: NSObject, XMLParserDelegate {
    var elements = 0
    var characters = 0
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements += 1
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { characters += string.utf8.count }
}

func foundation(_ bytes: [UInt8]) -> (ok: Bool, elements: Int, error: String) {
    let parser = XMLParser(data: Data(bytes))
    parser.shouldProcessNamespaces = true
    let counter = Counter()
    parser.delegate = counter
    let ok = parser.parse()
    return (ok, counter.elements, parser.parserError.map { "\($0)" } ?? "")
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "speed":
    let count = Int(arguments.count > 2 ? arguments[2] : "20000") ?? 20000
    let bytes = incidents(count)
    let limits = XMLLimits(maxBytes: 1 << 30, maxNodes: 10_000_000)
    var cybex: [Double] = []
    var libxml: [Double] = []
    for _ in 0..<5 {
        cybex.append(seconds { _ = try! XMLReader.parse(bytes, limits: limits) })
        libxml.append(seconds { _ = foundation(bytes) })
    }
    let mb = Double(bytes.count) / 1_048_576
    let (c, f) = (cybex.sorted()[2], libxml.sorted()[2])
    print(String(format: "%d incidents, %.1f MiB: Cybex XMLReader (tree) %.3f s median (%.0f MiB/s); XMLParser (events, no tree) %.3f s (%.0f MiB/s); ratio %.2f", count, mb, c, mb / c, f, mb / f, c / f))
case "hostile":
    let which = arguments.count > 2 ? arguments[2] : "cybex"
    let deep = Array((String(repeating: "<a>", count: 10_000) + String(repeating: "</a>", count: 10_000)).utf8)
    let entity = Array(#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><r>&x;</r>"#.utf8)
    let laughs = Array(
        ("<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a0 \"lol\">"
            + (1...9).map { "<!ENTITY a\($0) \"" + String(repeating: "&a\($0 - 1);", count: 10) + "\">" }.joined()
            + "]><l>&a9;</l>").utf8)
    var big = Array(#"<r a=""#.utf8)
    big += [UInt8](repeating: UInt8(ascii: "x"), count: 100 << 20)
    big += Array(#""/>"#.utf8)
    for (name, bytes) in [("external entity", entity), ("billion laughs", laughs), ("10,000-deep", deep), ("100 MB attribute", big)] {
        let before = peakRSSKiB()
        var outcome = ""
        let time = seconds {
            if which == "foundation" {
                let result = foundation(bytes)
                outcome = result.ok ? "accepted (\(result.elements) elements)" : "refused: \(result.error)"
            } else {
                do {
                    _ = try XMLReader.parse(bytes, limits: XMLLimits(maxBytes: 200 << 20))
                    outcome = "accepted"
                } catch {
                    outcome = "refused: \((error as! XMLError).code.rawValue)"
                }
            }
        }
        print(String(format: "%@ %@: %@ in %.3f s, peak RSS +%d MiB", which, name, outcome, time, (peakRSSKiB() - before) / 1024))
    }
default:
    print("usage: xml-compare speed [incidents] | hostile cybex|foundation")
}
