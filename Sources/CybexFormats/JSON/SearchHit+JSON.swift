public import CybexCore

extension SearchHit {
    /// `{"collection": …, "date_added": …, "object": {…}}`: one search result as the REST API and
    /// `cybex search --json` write it, the object as stored.
    public func writeJSON(into out: inout [UInt8]) {
        out.append(contentsOf: #"{"collection":"#.utf8)
        JSONWriter.writeString(collectionID, into: &out)
        out.append(contentsOf: #","date_added":"#.utf8)
        JSONWriter.writeString(STIXTimestamp.format(microseconds: record.dateAdded), into: &out)
        out.append(contentsOf: #","object":"#.utf8)
        out.append(contentsOf: record.json)
        out.append(UInt8(ascii: "}"))
    }
}
