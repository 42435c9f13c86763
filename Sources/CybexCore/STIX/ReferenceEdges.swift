/// The edges of the references tracing follows that are not relationships (issue 15): the store
/// keeps them beside relationships and sightings, and schema step 14 derives them for objects
/// stored before.
public enum ReferenceEdges {
    /// The types whose `object_refs` name the objects they are about or hold.
    public static let objectRefTypes: Set<String> = ["report", "grouping", "note", "opinion", "observed-data"]
    /// The edge from such an object to each of its `object_refs`.
    public static let objectRef = "object-ref"
    /// A network traffic's `src_ref` and `dst_ref`.
    public static let sourceRef = "src-ref"
    public static let destinationRef = "dst-ref"

    /// Every type whose stored objects carry these edges.
    public static var types: Set<String> { objectRefTypes.union(["network-traffic"]) }

    /// The edges of one object of `type`, whose JSON members are read by `string` (a member that is
    /// a string) and `strings` (the strings of a member that is an array): the ingest reads them from
    /// the parsed object (``ObservableExtractor``, Formats), schema step 14 from objects stored before.
    public static func edges(
        id: String, type: String, string: (String) -> String?, strings: (String) -> [String]
    ) -> [RelationshipEdge] {
        if objectRefTypes.contains(type) {
            return strings("object_refs").map { RelationshipEdge(sourceRef: id, targetRef: $0, type: objectRef) }
        }
        guard type == "network-traffic" else { return [] }
        var edges: [RelationshipEdge] = []
        if let source = string("src_ref") { edges.append(RelationshipEdge(sourceRef: id, targetRef: source, type: sourceRef)) }
        if let destination = string("dst_ref") {
            edges.append(RelationshipEdge(sourceRef: id, targetRef: destination, type: destinationRef))
        }
        return edges
    }
}
