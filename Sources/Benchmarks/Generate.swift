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
    @Flag(
        name: .customLong("random-ids"),
        help: "Random (version 4) ids, as real feeds carry, instead of ids that rise with the object number.")
    var randomIDs = false
    @Option(
        help: """
            feed: 40 % indicators, 20 % each IPv4 addresses, malware and relationships;             even: 20 % each indicators, vulnerabilities, malware, domain names and relationships.
            """)
    var mix: Mix = .feed
    @Option(help: "The seed of the random ids (the same seed writes the same ids).") var seed: UInt64 = 14

    enum Mix: String, ExpressibleByArgument {
        case feed, even
    }

    func run() throws {
        guard FileManager.default.createFile(atPath: out, contents: nil) else { throw ValidationError("cannot create \(out)") }
        guard let handle = FileHandle(forWritingAtPath: out) else { throw ValidationError("cannot write \(out)") }
        defer { try? handle.close() }
        let opening =
            envelope ? #"{"objects":["# : #"{"type":"bundle","id":"bundle--4d2b1a07-0d0e-4c1f-9a3b-6f0e2d8c9b11","objects":["#
        handle.write(Data(opening.utf8))
        var chunk = ""
        let ids = IDs(random: randomIDs, seed: seed)
        for n in first..<(first + objects) {
            if n > first { chunk += "," }
            chunk += mix == .feed ? Self.object(n, ids: ids) : Self.evenObject(n, ids: ids)
            if chunk.utf8.count > 1 << 20 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        handle.write(Data((chunk + "]}\n").utf8))
    }

    /// The id of object `n` of kind `kind`: rising with `n`, or random (a version 4 UUID hashed
    /// from the seed, `n` and `kind`, so that relationships can name the objects they join).
    struct IDs {
        var random: Bool
        var seed: UInt64

        func callAsFunction(_ n: Int, _ kind: Int) -> String {
            guard random else {
                return String(format: "%08x-%04x-4%03x-8%03x-%012x", n & 0xFFFF_FFFF, kind, n % 0xFFF, (n / 7) % 0xFFF, n)
            }
            let high = Self.mix(seed &+ UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(kind))
            let low = Self.mix(high ^ 0xD1B5_4A32_D192_ED03)
            return String(
                format: "%08x-%04x-4%03x-%04x-%012llx", UInt32(truncatingIfNeeded: high >> 32),
                UInt16(truncatingIfNeeded: high >> 16),
                UInt16(truncatingIfNeeded: high) & 0xFFF, (UInt16(truncatingIfNeeded: low >> 48) & 0x3FFF) | 0x8000,
                low & 0xFFFF_FFFF_FFFF)
        }

        /// SplitMix64's finaliser.
        static func mix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func uuid(_ n: Int, _ kind: Int) -> String { IDs(random: false, seed: 0)(n, kind) }

    /// The even mix: an indicator with a pattern, a vulnerability, a malware, a domain name and a
    /// relationship from the indicator to the malware, in turn.
    static func evenObject(_ n: Int, ids uuid: IDs) -> String {
        let day = 1 + n % 28
        let timestamp = String(format: "2026-03-%02dT%02d:%02d:%02d.%03dZ", day, n % 24, n % 60, (n / 60) % 60, n % 1000)
        let domain = "host\(n).example\(n % 97).org"
        switch n % 5 {
        case 0:
            return
                #"{"type":"indicator","spec_version":"2.1","id":"indicator--\#(uuid(n, 1))","created":"\#(timestamp)","modified":"\#(timestamp)","name":"C2 domain \#(domain)","indicator_types":["malicious-activity"],"pattern":"[domain-name:value = '\#(domain)']","pattern_type":"stix","valid_from":"\#(timestamp)","confidence":\#(n % 100)}"#
        case 1:
            return
                #"{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--\#(uuid(n, 5))","created":"\#(timestamp)","modified":"\#(timestamp)","name":"CVE-2026-\#(10000 + n % 90000)","external_references":[{"source_name":"cve","external_id":"CVE-2026-\#(10000 + n % 90000)"}]}"#
        case 2:
            return
                #"{"type":"malware","spec_version":"2.1","id":"malware--\#(uuid(n, 3))","created":"\#(timestamp)","modified":"\#(timestamp)","name":"Family \#(n % 977)","is_family":true,"malware_types":["botnet"]}"#
        case 3:
            return #"{"type":"domain-name","spec_version":"2.1","id":"domain-name--\#(uuid(n, 6))","value":"\#(domain)"}"#
        default:
            return
                #"{"type":"relationship","spec_version":"2.1","id":"relationship--\#(uuid(n, 4))","created":"\#(timestamp)","modified":"\#(timestamp)","relationship_type":"indicates","source_ref":"indicator--\#(uuid(n - 4, 1))","target_ref":"malware--\#(uuid(n - 2, 3))"}"#
        }
    }

    static func object(_ n: Int) -> String { object(n, ids: IDs(random: false, seed: 0)) }

    static func object(_ n: Int, ids uuid: IDs) -> String {
        let day = 1 + n % 28
        let timestamp = String(format: "2026-03-%02dT%02d:%02d:%02d.%03dZ", day, n % 24, n % 60, (n / 60) % 60, n % 1000)
        let ip = "\(10 + n % 200).\(n / 65536 % 256).\(n / 256 % 256).\(n % 256)"
        switch n % 5 {
        case 0, 1:
            return
                #"{"type":"indicator","spec_version":"2.1","id":"indicator--\#(uuid(n, 1))","created":"\#(timestamp)","modified":"\#(timestamp)","name":"Malicious host \#(ip)","description":"Observed scanning and brute force activity from \#(ip) against constituent networks.","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '\#(ip)']","pattern_type":"stix","valid_from":"\#(timestamp)","labels":["scanner"],"confidence":\#(n % 100)}"#
        case 2:
            return #"{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--\#(uuid(n, 2))","value":"\#(ip)"}"#
        case 3:
            return
                #"{"type":"malware","spec_version":"2.1","id":"malware--\#(uuid(n, 3))","created":"\#(timestamp)","modified":"\#(timestamp)","name":"Family \#(n % 977)","is_family":true,"malware_types":["botnet"]}"#
        default:
            return
                #"{"type":"relationship","spec_version":"2.1","id":"relationship--\#(uuid(n, 4))","created":"\#(timestamp)","modified":"\#(timestamp)","relationship_type":"indicates","source_ref":"indicator--\#(uuid(n - 4, 1))","target_ref":"malware--\#(uuid(n - 1, 3))"}"#
        }
    }
}
