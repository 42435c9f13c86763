import CybexCore

extension STIXPattern {
    /// The pattern's tree as JSON (`cybex pattern check --json`):
    ///
    /// ```json
    /// {"pattern": "[file:size > 1024] WITHIN 60 SECONDS",
    ///  "tree": {"qualified": {"expression": {"observation": {"comparison": {"path": {"type": "file",
    ///   "steps": [{"key": "size"}]}, "operator": ">", "negated": false,
    ///   "operands": [{"integer": 1024}]}}}, "qualifiers": [{"within": 60}]}},
    ///  "object_types": ["file"]}
    /// ```
    ///
    /// Every node is an object with one member naming its kind: `observation`, `and`, `or`,
    /// `followedby`, `qualified` (expression and qualifiers), `comparison`; literals are
    /// `{"string": …}`, `{"integer": …}`, `{"float": …}`, `{"boolean": …}`, `{"timestamp": …}`,
    /// `{"hex": …}`, `{"binary": …}` (base64).
    public var json: JSONValue {
        .object([
            ("pattern", .string(description)),
            ("tree", expression.json),
            ("object_types", .array(objectTypes.sorted().map(JSONValue.string))),
        ])
    }
}

extension STIXPattern.ObservationExpression {
    var json: JSONValue {
        switch self {
        case .observation(let comparison): .object([("observation", comparison.json)])
        case .and(let operands): .object([("and", .array(operands.map(\.json)))])
        case .or(let operands): .object([("or", .array(operands.map(\.json)))])
        case .followedBy(let operands): .object([("followedby", .array(operands.map(\.json)))])
        case .qualified(let inner, let qualifiers):
            .object([
                (
                    "qualified",
                    .object([("expression", inner.json), ("qualifiers", .array(qualifiers.map(\.json)))])
                )
            ])
        }
    }
}

extension STIXPattern.Qualifier {
    var json: JSONValue {
        switch self {
        case .within(let seconds): .object([("within", .number(STIXPatternText.decimal(seconds)))])
        case .repeats(let times): .object([("repeats", .number(String(times)))])
        case .startStop(let start, let stop):
            .object([("start", .string(start.description)), ("stop", .string(stop.description))])
        }
    }
}

extension STIXPattern.ComparisonExpression {
    var json: JSONValue {
        switch self {
        case .comparison(let comparison):
            .object([
                (
                    "comparison",
                    .object([
                        ("path", comparison.path.json), ("operator", .string(comparison.op.rawValue)),
                        ("negated", .bool(comparison.negated)), ("operands", .array(comparison.operands.map(\.json))),
                    ])
                )
            ])
        case .and(let operands): .object([("and", .array(operands.map(\.json)))])
        case .or(let operands): .object([("or", .array(operands.map(\.json)))])
        }
    }
}

extension STIXPattern.ObjectPath {
    var json: JSONValue {
        let steps: [JSONValue] = steps.map { step in
            switch step {
            case .key(let key): .object([("key", .string(key))])
            case .index(let index): .object([("index", .number(String(index)))])
            case .anyIndex: .object([("index", .string("*"))])
            }
        }
        return .object([("type", .string(objectType)), ("steps", .array(steps))])
    }
}

extension STIXPattern.Literal {
    var json: JSONValue {
        switch self {
        case .string(let text): .object([("string", .string(text))])
        case .integer(let value): .object([("integer", .number(String(value)))])
        case .float(let value): .object([("float", .number(STIXPatternText.decimal(value, alwaysFraction: true)))])
        case .boolean(let value): .object([("boolean", .bool(value))])
        case .timestamp(let value): .object([("timestamp", .string(value.description))])
        case .hex(let octets): .object([("hex", .string(STIXPatternText.hex(octets)))])
        case .binary:
            // The text after `b'`.
            .object([("binary", .string(String(description.dropFirst(2).dropLast())))])
        }
    }
}
