import ArgumentParser
import Foundation

/// Writes a synthetic STIX 2.1 bundle of any size: indicators with patterns, the IPv4 and domain
/// SCOs they detect, malware, and relationships between them, in a feed-like mix.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a synthetic STIX 2.1 bundle.")
    @Option(help: "How many objects.") var objects = 100_000
    @Option(help: "The output file.") var out: String
    @Option(help: "The number of the first object: files with different ranges share no ids.") var first = 0
    @Flag(help: "Write a TAXII envelope ({\"objects\": […]}) instead of a bundle.") var envelope = false

    func run() throws {
        guard FileManager.default.createFile(atPath: out, contents: nil) else { throw ValidationError("cannot create \(out)") }
        guard let handle = FileHandle(forWritingAtPath: out) else { throw ValidationError("cannot write \(out)") }
        defer { try? handle.close() }
        let opening = envelope ? #"{"objects":["# : #"{"type":"bundle","id":"bundle--4d2b1a07-0d0e-4c1f-9a3b-6f0e2d8c9b11","objects":["#
        handle.write(Data(opening.utf8))
        var chunk = ""
        for n in first..<(first + objects) {
            if n > first { chunk += "," }
            chunk += Self.object(n)
            if chunk.utf8.count > 1 << 20 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        handle.write(Data((chunk + "]}\n").utf8))
    }

    static func uuid(_ n: Int, _ kind: Int) -> String {
        String(format: "%08x-%04x-4%03x-8%03x-%012x", n & 0xFFFF_FFFF, kind, n % 0xFFF, (n / 7) % 0xFFF, n)
    }

    static func object(_ n: Int) -> String {
        let day = 1 + n % 28
        let timestamp = String(format: "2026-03-%02dT%02d:%02d:%02d.%03dZ", day, n % 24, n % 60, (n / 60) % 60, n % 1000)
        let ip = "\(10 + n % 200).\(n / 65536 % 256).\(n / 256 % 256).\(n % 256)"
        switch n % 5 {
        case 0, 1:
            return #"{"type":"indicator","spec_version":"2.1","id":"indicator--\#(uuid(n, 1))","created":"\#(timestamp)","modified":"\#(timestamp)","name":"Malicious host \#(ip)","description":"Observed scanning and brute force activity from \#(ip) against constituent networks.","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '\#(ip)']","pattern_type":"stix","valid_from":"\#(timestamp)","labels":["scanner"],"confidence":\#(n % 100)}"#
        case 2:
            return #"{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--\#(uuid(n, 2))","value":"\#(ip)"}"#
        case 3:
            return #"{"type":"malware","spec_version":"2.1","id":"malware--\#(uuid(n, 3))","created":"\#(timestamp)","modified":"\#(timestamp)","name":"Family \#(n % 977)","is_family":true,"malware_types":["botnet"]}"#
        default:
            return #"{"type":"relationship","spec_version":"2.1","id":"relationship--\#(uuid(n, 4))","created":"\#(timestamp)","modified":"\#(timestamp)","relationship_type":"indicates","source_ref":"indicator--\#(uuid(n - 4, 1))","target_ref":"malware--\#(uuid(n - 1, 3))"}"#
        }
    }
}
