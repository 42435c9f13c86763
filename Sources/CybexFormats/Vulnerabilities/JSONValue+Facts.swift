public import CybexCore

/// The ingest reads a vulnerability's facts from its parsed JSON.
extension JSONValue: VulnerabilityFactSource {}
