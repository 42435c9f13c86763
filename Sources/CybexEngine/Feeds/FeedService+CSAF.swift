import Crypto
import CybexCore
import CybexFormats
import CybexStore
import Foundation

/// The CSAF aggregator mode (docs/VULNERABILITIES.md, "CSAF aggregator"): a feed of format `csaf` follows a
/// provider's `provider-metadata.json`.
extension FeedService {
    /// One pull: the provider metadata, then each directory distribution's `changes.csv` (or, for a provider
    /// with ROLIE feeds only, each feed's entries); every document released since the last pull is fetched
    /// with its `.sha256` and `.sha512` files, refused when a hash file does not match its bytes (or when
    /// neither exists), checked as every CSAF document is, and stored through the feed (a report, its
    /// vulnerabilities, its VEX statements). OpenPGP signatures (`.asc`) are noted as present, not checked.
    /// A refused document is reported (the pull's `lastError`, a `feed.csaf-refused` audit entry) and tried
    /// again next pull; the others are stored.
    func pullCSAF(_ feed: Feed, state: inout FeedState, now: Int64, actor: String) async throws -> FeedPullReport {
        var unused = FeedState()
        guard let metadataBytes = try await fetch(feed.url, state: &unused),
            let metadata = try? JSONReader.parse(metadataBytes, limits: JSONLimits(maxDepth: 32, maxStringBytes: 1 << 16))
        else { throw EngineError(.invalidArgument, "provider-metadata.json is not JSON") }
        guard metadata["metadata_version"]?.stringValue == "2.0",
            let role = metadata["role"]?.stringValue, role.hasPrefix("csaf_")
        else { throw EngineError(.invalidArgument, "provider-metadata.json is not CSAF 2.0 provider metadata") }
        let documents = try await csafDocuments(metadata, base: feed.url)
        var released = state.events
        var objects: [JSONValue] = []
        var refused: [String] = []
        var signed = 0
        let advisories = CSAFAdvisories(store: store)
        for (url, release) in documents where (state.events[url] ?? .min) < release {
            var none = FeedState()
            guard let bytes = try await fetch(url, state: &none) else { continue }
            var checked = 0
            var mismatch: String?
            for algorithm in ["sha256", "sha512"] {
                var ignore = FeedState()
                guard let file = try? await fetch("\(url).\(algorithm)", state: &ignore),
                    let expected = String(decoding: file, as: UTF8.self).split(whereSeparator: \.isWhitespace).first
                else { continue }
                let actual =
                    algorithm == "sha256"
                    ? CSAFProvider.hex(SHA256.hash(data: bytes)) : CSAFProvider.hex(SHA512.hash(data: bytes))
                checked += 1
                if expected.lowercased() != actual {
                    mismatch = "its \(algorithm) file says \(expected), the bytes hash to \(actual)"
                }
            }
            var ignore = FeedState()
            if (try? await fetch("\(url).asc", state: &ignore)) != nil { signed += 1 }
            if let mismatch {
                refused.append("\(url): \(mismatch)")
                continue
            }
            if checked == 0 {
                refused.append("\(url): no .sha256 or .sha512 file to check it against")
                continue
            }
            do {
                let document = try await advisories.validate(bytes)
                objects += CSAFSTIX.objects(for: document)
                released[url] = release
            } catch let error as EngineError {
                refused.append("\(url): \(error.message)")
            }
        }
        let added = try await ingestMade(objects, feed: feed, actor: actor, now: now)
        state.lastPull = now
        state.events = released
        succeeded(feed, &state, now: now)
        state.lastValues = objects.count
        state.lastAdded = added
        var events: [AuditEvent] = refused.map {
            AuditEvent(time: now, actor: actor, action: "feed.csaf-refused", target: feed.id, detail: "\(feed.name): \($0)")
        }
        if !refused.isEmpty {
            state.lastError = "\(refused.count) document(s) refused: " + refused[0]
            state.failures += 1
        }
        if objects.isEmpty {
            events.append(
                audit(feed, actor: actor, time: now, detail: "no new advisories; \(signed) signature(s) present, not checked"))
        }
        try await store.recordFeedPull(id: feed.id, state: state, sightings: [], audit: events)
        return FeedPullReport(feed: feed.name, outcome: .stored, values: objects.count, added: added)
    }

    /// Every document the provider lists, by URL, with its current release (microseconds): each directory
    /// distribution's `changes.csv`; the ROLIE feeds' entries when there is no directory.
    func csafDocuments(_ metadata: JSONValue, base: String) async throws -> [(String, Int64)] {
        var found: [(String, Int64)] = []
        let distributions = metadata["distributions"]?.arrayValue ?? []
        let directories = distributions.compactMap { $0["directory_url"]?.stringValue }
        for directory in directories {
            let root = directory.hasSuffix("/") ? directory : directory + "/"
            var unused = FeedState()
            guard let changes = try? await fetch(root + "changes.csv", state: &unused) else { continue }
            let records = (try? DelimitedText(changes).records()) ?? []
            for record in records where record.fields.count >= 2 {
                let path = record.fields[0].trimmingCharacters(in: .whitespaces)
                guard !path.isEmpty, !path.contains(".."), let release = IODEFTime.microseconds(record.fields[1]) else {
                    continue
                }
                found.append((root + path, release))
            }
        }
        guard directories.isEmpty else { return found }
        for feed in distributions.flatMap({ $0["rolie"]?["feeds"]?.arrayValue ?? [] }) {
            guard let url = feed["url"]?.stringValue else { continue }
            var unused = FeedState()
            guard let bytes = try? await fetch(url, state: &unused),
                let rolie = try? JSONReader.parse(bytes, limits: JSONLimits(maxDepth: 32))
            else { continue }
            for entry in rolie["feed"]?["entry"]?.arrayValue ?? [] {
                guard let source = entry["content"]?["src"]?.stringValue,
                    let release = entry["updated"]?.stringValue.flatMap(IODEFTime.microseconds)
                else { continue }
                found.append((source, release))
            }
        }
        return found
    }
}
