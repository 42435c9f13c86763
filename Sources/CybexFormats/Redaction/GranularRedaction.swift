#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import CybexCore

/// Removes the properties of one STIX object that sit under a granular TLP marking the viewer may
/// not see (STIX 2.1 section 7.2.3; issue 3: "properties under a stricter marking are removed for
/// viewers not allowed them").
///
/// ```swift
/// // An indicator whose description is marked TLP:RED, for a viewer allowed up to TLP:AMBER:
/// let shown = GranularRedaction.redact(bytes) { $0 <= .amber }
/// ```
///
/// - Every selector of a granular marking whose `marking_ref` is a TLP marking definition
///   (``TLPLevel/init(markingDefinitionID:)``) of a level the viewer is not allowed is removed,
///   list elements included (`external_references.[0].url`); an external reference left without
///   `url`, `description` and `external_id` is removed whole. That granular marking is dropped; the
///   selectors of the others are renumbered or dropped so that they still resolve.
/// - Markings that are not TLP (other marking definitions, `lang`) are never a reason to remove.
/// - An object whose `object_marking_refs` (or `granular_markings`) a denied marking selects is
///   withheld: it is never sent without its markings.
/// - When the removals leave an object that is not valid STIX (a required property gone, for
///   example `name` of a malware, or the `pattern` of an indicator), the whole object is withheld.
/// - An object without granular TLP markings the viewer lacks is returned as the same bytes; bytes
///   that do not contain `"granular_markings"` are not even parsed.
public enum GranularRedaction {
    /// The object as the viewer may see it (compact JSON), the very same bytes when nothing is
    /// removed, or nil when it must be withheld whole (or is not a JSON object).
    public static func redact(_ bytes: [UInt8], allowed: (TLPLevel) -> Bool) -> [UInt8]? {
        guard mayHoldGranularMarkings(bytes) else { return bytes }
        guard let object = try? JSONReader.parse(bytes), object.objectMembers != nil else { return nil }
        let denied = deniedSelections(in: object, allowed: allowed)
        guard !denied.markings.isEmpty else { return bytes }
        guard !removesMarkings(denied.paths) else { return nil }
        let removals = PropertyPruner.completing(denied.paths, in: object)
        let redacted = PropertyPruner.prune(object, removing: removals, droppingMarkings: denied.markings)
        guard STIXValidator.violations(of: redacted).isEmpty else { return nil }
        return JSONWriter.bytes(redacted)
    }

    /// Whether the bytes contain `"granular_markings"` (the only way an object can have any). Every
    /// object of every scoped read passes here, so it jumps with `memchr` from one `k` to the next
    /// (the needle's rarest byte in STIX JSON: ~3 per 1,000 bytes) and compares only there.
    public static func mayHoldGranularMarkings(_ bytes: [UInt8]) -> Bool {
        let needle: StaticString = "\"granular_markings\""
        let length = needle.utf8CodeUnitCount
        let anchor = 13  // the offset of `k` in the needle
        return bytes.withUnsafeBytes { haystack -> Bool in
            guard let base = haystack.baseAddress, haystack.count >= length else { return false }
            var offset = anchor
            while offset < haystack.count - (length - anchor - 1) {
                guard let found = memchr(base + offset, Int32(UInt8(ascii: "k")), haystack.count - offset) else { return false }
                let position = base.distance(to: UnsafeRawPointer(found))
                if position + (length - anchor) > haystack.count { return false }
                if memcmp(base + (position - anchor), needle.utf8Start, length) == 0 { return true }
                offset = position + 1
            }
            return false
        }
    }

    /// Whether the paths reach the object's own markings: an object is never sent without them
    /// (its recipient would lose its TLP level), so it is withheld.
    static func removesMarkings(_ paths: Set<PropertyPath>) -> Bool {
        paths.contains { path in
            path.components.first == .key("object_marking_refs") || path.components.first == .key("granular_markings")
        }
    }

    /// The granular markings (indices) the viewer is denied and every path they select.
    static func deniedSelections(
        in object: JSONValue, allowed: (TLPLevel) -> Bool
    ) -> (markings: Set<Int>, paths: Set<PropertyPath>) {
        var markings: Set<Int> = []
        var paths: Set<PropertyPath> = []
        for (i, marking) in (object["granular_markings"]?.arrayValue ?? []).enumerated() {
            guard let ref = marking["marking_ref"]?.stringValue, let level = TLPLevel(markingDefinitionID: ref),
                !allowed(level)
            else { continue }
            markings.insert(i)
            for selector in marking["selectors"]?.arrayValue ?? [] {
                if let text = selector.stringValue, let path = PropertyPath(selector: text) { paths.insert(path) }
            }
        }
        return (markings, paths)
    }
}
