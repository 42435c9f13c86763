import Testing

@testable import CybexEngine

/// A retro-hunt sighting's description lists the observations it matched; a new version of the
/// sighting keeps the ids the earlier one listed.
@Suite struct RetroHuntDescriptionTests {
    @Test func theListedIDsAreReadBackAsWritten() {
        let written =
            "Cybex retro-hunt: the indicator's pattern matches 3 stored observations: "
            + "ipv4-addr--0b1c0f41-8a6c-5a4a-9a59-1f6f2a4d3c11, observed-data--5d3b2f0e-6c1a-4f2e-8b7d-2a9c1e0f4b6a"
        #expect(
            RetroHunt.listedIDs(written) == [
                "ipv4-addr--0b1c0f41-8a6c-5a4a-9a59-1f6f2a4d3c11", "observed-data--5d3b2f0e-6c1a-4f2e-8b7d-2a9c1e0f4b6a",
            ])
    }

    @Test func blanksAroundAnIDAndEntriesThatAreNoIDs() {
        #expect(RetroHunt.listedIDs("matches: \t a--1 ,b--2\u{00A0}, , not-an-id,c-d, e--3") == ["a--1", "b--2", "e--3"])
        #expect(RetroHunt.listedIDs("no colon here a--1, b--2").isEmpty)
        #expect(RetroHunt.listedIDs("matches 2 stored observations").isEmpty)
        #expect(RetroHunt.listedIDs("matches:").isEmpty)
    }

    /// The description's own colon comes before the list: reading from it took the sentence for an
    /// id, and each new version of the sighting listed the sentence again, longer.
    @Test func theSentenceBeforeTheListIsNoID() {
        let written = "Cybex retro-hunt: the indicator's pattern matches 2 stored observations: a--1, b--2"
        #expect(RetroHunt.listedIDs(written) == ["a--1", "b--2"])
        #expect(RetroHunt.listedIDs("Cybex retro-hunt: the indicator's pattern matches 2 stored observations").isEmpty)
    }
}
