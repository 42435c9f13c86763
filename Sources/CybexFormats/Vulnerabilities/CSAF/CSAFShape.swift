import Foundation

/// The shape of a JSON document as a small set of JSON Schema's constraints (type, required and known
/// members, member counts, list lengths, unique items, string length, enumerations, named string checks,
/// number bounds, one of several shapes): what CSAF 2.0's schema and FIRST's CVSS schemas ask of a document,
/// written out in ``CSAFSchema`` from the standard, and checked here with errors that name the JSON pointer.
indirect enum CSAFShape: Sendable {
    case string(minLength: Int = 1, values: [String]? = nil, check: CSAFStringCheck? = nil)
    case number(minimum: Double, maximum: Double)
    /// Members not listed are allowed, as the schemas allow them.
    case object(
        required: [String] = [], properties: [(String, CSAFShape)], minProperties: Int = 0, maxProperties: Int? = nil)
    case array(CSAFShape, minItems: Int = 1, unique: Bool = false)
    /// The first shape whose `discriminator` member has one of its values (CVSS v3.0 or v3.1 by `version`).
    case oneOf(discriminator: String, [(values: [String], shape: CSAFShape)])

    /// Every place `value` does not have this shape, as (JSON pointer, message), in document order.
    func problems(_ value: JSONValue, at path: String, into found: inout [(String, String)]) {
        switch self {
        case .string(let minLength, let values, let check):
            guard case .string(let text) = value else { return found.append((path, "must be a string")) }
            if text.count < minLength {
                found.append((path, "must be at least \(minLength) character\(minLength == 1 ? "" : "s") long"))
            } else if let values, !values.contains(text) {
                found.append((path, "must be one of \(values.joined(separator: ", "))"))
            } else if let check, !check.accepts(text) {
                found.append((path, "must be \(check.name)"))
            }
        case .number(let minimum, let maximum):
            guard let number = value.doubleValue, case .number = value else { return found.append((path, "must be a number")) }
            if number < minimum || number > maximum { found.append((path, "must be from \(minimum) to \(maximum)")) }
        case .object(let required, let properties, let minProperties, let maxProperties):
            guard case .object(let members) = value else { return found.append((path, "must be an object")) }
            if members.count < minProperties {
                found.append((path, "must have at least \(minProperties) member\(minProperties == 1 ? "" : "s")"))
            }
            if let maxProperties, members.count > maxProperties {
                found.append((path, "must have at most \(maxProperties) members"))
            }
            for name in required where !members.contains(where: { $0.key == name }) {
                found.append((path, "needs \(name)"))
            }
            for (name, shape) in properties {
                guard let member = members.first(where: { $0.key == name })?.value else { continue }
                shape.problems(member, at: path + "/" + Self.escape(name), into: &found)
            }
        case .array(let items, let minItems, let unique):
            guard case .array(let values) = value else { return found.append((path, "must be a list")) }
            if values.count < minItems { found.append((path, "must have at least \(minItems) item\(minItems == 1 ? "" : "s")")) }
            if unique {
                var seen: Set<[UInt8]> = []
                for (index, item) in values.enumerated() where !seen.insert(JSONWriter.bytes(item)).inserted {
                    found.append(("\(path)/\(index)", "repeats an earlier item; the items must be unique"))
                }
            }
            for (index, item) in values.enumerated() { items.problems(item, at: "\(path)/\(index)", into: &found) }
        case .oneOf(let discriminator, let choices):
            guard case .object = value else { return found.append((path, "must be an object")) }
            let given = value[discriminator]?.stringValue
            guard let choice = choices.first(where: { given.map($0.values.contains) ?? false }) else {
                let all = choices.flatMap(\.values).joined(separator: ", ")
                return found.append((path + "/" + discriminator, "must be one of \(all)"))
            }
            choice.shape.problems(value, at: path, into: &found)
        }
    }

    /// A JSON pointer reference token (RFC 6901).
    static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}

/// A named check of a string (a pattern or a format of the schema, written as code).
struct CSAFStringCheck: Sendable {
    let name: String
    let accepts: @Sendable (String) -> Bool
}
