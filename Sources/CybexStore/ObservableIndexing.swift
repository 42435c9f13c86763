import Crypto
public import CybexCore
import Foundation

/// The index of distinct observables, as both backends keep it: one row per distinct (kind, value)
/// (`observable_values`), never one per object version that carries it.
///
/// An object version points at the **set** of values it carries (`objects.observable_set`); a set
/// is stored once, whichever objects and versions carry it, with one posting per value
/// (`observable_postings`). A version that carries a single value points at that value instead
/// (`observable_set` is minus the value's key): no set, digest or posting for the common case. A new version that carries the values of the one before adds no row to
/// the index: it points at the same set. Two objects that carry exactly the same values (an
/// indicator and the SCO it names) share a set too. Address values (IPv4 and IPv6 addresses and
/// ranges) keep the first and last address of their range, so that the addresses within a range
/// are one index range scan away; the ranges that contain an address are found by the address's
/// networks, one lookup per prefix length.
public enum ObservableIndexing {
    /// What identifies a set: 16 bytes of the SHA-256 of its distinct entries (kind, 0x01, value,
    /// 0x00, in UTF-8), in byte order. PostgreSQL's schema step 13 computes the same digest in SQL.
    public static func digest(of observables: [Observable]) -> [UInt8] {
        var hasher = SHA256()
        for entry in entries(of: observables) { hasher.update(data: entry + [0]) }
        return Array(hasher.finalize().prefix(16))
    }

    /// The distinct `kind 0x01 value` byte strings of `observables`, in byte order.
    static func entries(of observables: [Observable]) -> [[UInt8]] {
        Set(observables.map { Array($0.kind.rawValue.utf8) + [1] + Array($0.value.utf8) }).sorted {
            $0.lexicographicallyPrecedes($1)
        }
    }

    /// The one value `observables` hold, when they hold exactly one (repeated or not): an object row
    /// that carries one value points at the value itself (`observable_set` = minus its key), with
    /// no set, digest or posting. Most SCOs and indicators carry one value.
    public static func single(_ observables: [Observable]) -> Observable? {
        guard let first = observables.first else { return nil }
        if observables.count == 1 { return first }
        let distinct = distinct(observables)
        return distinct.count == 1 ? first : nil
    }

    /// The distinct observables of a set, by their bytes (two values that Swift compares equal by
    /// canonical equivalence are still two values, as the stores' unique keys see them).
    public static func distinct(_ observables: [Observable]) -> [Observable] {
        var seen: Set<[UInt8]> = []
        return observables.filter { seen.insert(Array($0.kind.rawValue.utf8) + [1] + Array($0.value.utf8)).inserted }
    }

    /// What PostgreSQL's unique key on a value holds (a value may be longer than an index entry):
    /// 16 bytes of the SHA-256 of its UTF-8.
    public static func valueDigest(_ value: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(value.utf8)).prefix(16))
    }

    /// The first and last address of an address value (4 bytes each for IPv4, 16 for IPv6); nil
    /// for other kinds, and for a value that is not an address or a range.
    public static func addressRange(of observable: Observable) -> (first: [UInt8], last: [UInt8])? {
        guard observable.kind == .ipv4 || observable.kind == .ipv6, let network = IPNetwork(observable.value)
        else { return nil }
        return (network.address, network.lastAddress)
    }

    /// The values, as the index keeps them, of the networks that contain `address` (the address
    /// itself, then each shorter prefix down to /0): the ranges stored that contain it are among them.
    public static func enclosingNetworks(of address: [UInt8]) -> [Observable] {
        let bits = address.count * 8
        let kind: Observable.Kind = address.count == 4 ? .ipv4 : .ipv6
        return (0...bits).reversed().compactMap { prefix in
            let network = IPNetwork.masked(address, prefix)
            let text = IPNetwork.text(network)
            return Observable(kind: kind, value: prefix == bits ? text : "\(text)/\(prefix)")
        }
    }
}

extension ReferenceEdges {
    /// The edges of an object stored before schema step 14, from its JSON (as received).
    static func edges(id: String, type: String, json: [UInt8]) -> [RelationshipEdge] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] else { return [] }
        return edges(
            id: id, type: type, string: { object[$0] as? String },
            strings: { (object[$0] as? [Any] ?? []).compactMap { $0 as? String } })
    }
}
