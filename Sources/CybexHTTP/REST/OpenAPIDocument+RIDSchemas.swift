import CybexCore
import CybexFormats

/// The schemas and operations of RID (docs/RID.md): the peer registry and a case's exchanges.
extension OpenAPIDocument {
    static let nullableBoolean: JSONValue = .object([("type", .array([.string("boolean"), .string("null")]))])

    static func ridSchemas() -> [(key: String, value: JSONValue)] {
        let messageTypes = enumeration(RIDMessageType.allCases.map(\.rawValue))
        return [
            (
                "Peer",
                object(
                    [
                        ("name", string), ("organisation", described(string, "the organisation that stands for the peer")),
                        ("endpoint", described(string, "the peer's RID listener (https)")),
                        ("fingerprints", array(described(string, "SHA-256 of a client certificate, lower-case hex"))),
                        ("collection", described(string, "where the incidents the peer sends are stored")),
                        ("handled_by", described(string, "the organisation handling the cases its messages open")),
                        ("accepts", array(messageTypes)), ("created", dateTime),
                    ],
                    required: [
                        "name", "organisation", "endpoint", "fingerprints", "collection", "handled_by", "accepts", "created",
                    ])
            ),
            ("PeerList", list("peers", of: "Peer")),
            (
                "PeerDraft",
                object(
                    [
                        ("name", string), ("organisation", string), ("endpoint", string), ("fingerprints", array(string)),
                        ("collection", string), ("handled_by", string), ("accepts", array(messageTypes)),
                    ], required: ["name", "organisation", "endpoint", "fingerprints", "collection", "handled_by"])
            ),
            (
                "RIDSend",
                object(
                    [
                        ("type", enumeration(RIDExchangeKind.allCases.map(\.rawValue))),
                        ("peer", described(string, "the peer's name")),
                        (
                            "subject",
                            described(string, "the IP address a trace or investigation is about (default: the incident's source)")
                        ),
                    ], required: ["type", "peer"])
            ),
            (
                "RIDExchange",
                object(
                    [
                        ("id", string), ("type", enumeration(RIDExchangeKind.allCases.map(\.rawValue))),
                        ("role", enumeration(["requester", "responder"])),
                        ("state", enumeration(RIDExchangeState.allCases.map(\.rawValue))),
                        ("incident", object([("name", string), ("id", string)], required: ["name", "id"])),
                        ("case", nullableString), ("upstream", nullableString), ("downstream", nullableString),
                        ("subject", nullableString), ("source_found", nullableBoolean), ("outcome", nullableString),
                        ("path", described(array(string), "the nodes the request went through, the asking one first")),
                        (
                            "messages",
                            array(
                                object(
                                    [
                                        ("time", dateTime), ("direction", enumeration(["in", "out"])), ("peer", string),
                                        ("type", messageTypes), ("status", string), ("detail", string),
                                    ], required: ["time", "direction", "peer", "type"]))
                        ),
                        ("created", dateTime), ("updated", dateTime),
                    ],
                    required: [
                        "id", "type", "role", "state", "incident", "case", "upstream", "downstream", "subject", "source_found",
                        "outcome", "path", "messages", "created", "updated",
                    ])
            ),
            ("RIDExchangeList", list("exchanges", of: "RIDExchange")),
        ]
    }

    static let ridOperations: [Operation] = [
        Operation(
            method: "GET", path: "/peers", id: "listPeers", tag: "rid", summary: "The RID peers of this node (administrators)",
            success: (200, "The peers", ref("PeerList")), errors: [403]),
        Operation(
            method: "POST", path: "/peers", id: "addPeer", tag: "rid",
            summary:
                "Register a RID peer: its client certificates' fingerprints, its endpoint, the organisation that stands for it, "
                + "where its incidents go and who handles its cases (administrators); audited",
            body: ref("PeerDraft"), success: (201, "The peer", ref("Peer")), errors: [403, 404, 409, 413, 415]),
        Operation(
            method: "DELETE", path: "/peers/{name}", id: "removePeer", tag: "rid",
            summary: "Remove a RID peer: its certificates are refused from then on (administrators); audited",
            success: (204, "Removed", nil), errors: [403, 404]),
        Operation(
            method: "GET", path: "/cases/{id}/rid", id: "caseExchanges", tag: "rid",
            summary: "The RID exchanges of a case, oldest first, with the path each answer took (the handling organisation)",
            success: (200, "The exchanges", ref("RIDExchangeList")), errors: [403, 404]),
        Operation(
            method: "POST", path: "/cases/{id}/rid", id: "sendRID", tag: "rid",
            summary:
                "Send a RID TraceRequest, InvestigationRequest, Report or Query about the case to a peer: the case's incident as "
                + "the peer's organisation may read it (403 and nothing sent when it may not); the exchange after the peer's "
                + "answer (503 when the node runs without RID); audited",
            body: ref("RIDSend"), success: (201, "The exchange", ref("RIDExchange")), errors: [403, 404, 409, 413, 415, 503]),
    ]
}
