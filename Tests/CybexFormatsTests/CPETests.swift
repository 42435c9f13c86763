import CybexFormats
import Testing

/// The worked examples of NISTIR 7695 (CPE Naming 2.3, sections 5.5, 6.1 and 6.2) and NISTIR 7696 (CPE
/// Name Matching 2.3, tables 6-2 and 6-3, the introduction and appendix B), written out here as tests.
@Suite struct CPETests {
    // MARK: Naming

    @Test(arguments: [
        #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=NA]"#,
        #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?",edition=NA,language=ANY]"#,
        #"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",sw_edition="online",target_sw="windows_2003",target_hw="x64"]"#,
        #"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",update=NA,target_sw="linux"]"#,
        #"wfn:[part="a",vendor="foo\\bar",product="big\$money_2010",sw_edition="special",target_sw="ipod_touch"]"#,
    ])
    func wellFormedNames(wfn: String) throws {
        let name = try CPEName(wfn: wfn)
        #expect(try CPEName(wfn: name.wfn) == name)
        #expect(try CPEName(formattedString: name.formattedString) == name)
    }

    @Test(arguments: [
        "foo\\-bar", "Acrobat_Reader", "\\\"oh_my\\!\\\"", "g\\+\\+", "9\\.?", "sr*", "big\\$money", "foo\\:bar",
        "back\\\\slash_software", "with_quoted\\~tilde", "*SOFT*", "8\\.??", "*8\\.??",
    ])
    func allowedValueStrings(value: String) throws {
        let name = try CPEName(wfn: "wfn:[product=\"\(value)\"]")
        guard case .value(let string) = name.product else {
            Issue.record("no product")
            return
        }
        #expect(string.wfnText == value)
    }

    @Test(arguments: ["foo?bar", "bar??baz", "q??x", "foo*bar", "**foo", "bar***", "*?foobar", "foobar*?", "*", "\\-", "a b"])
    func refusedValueStrings(value: String) {
        #expect(throws: CPEError.self) { try CPEName(wfn: "wfn:[product=\"\(value)\"]") }
    }

    @Test func introductionBindings() throws {
        let name = try CPEName(
            wfn: #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta"]"#)
        #expect(name.uri == "cpe:/a:microsoft:internet_explorer:8.0.6001:beta")
        #expect(name.formattedString == "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*")
    }

    @Test(arguments: [
        (
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY]"#,
            "cpe:/a:microsoft:internet_explorer:8.0.6001:beta"
        ),
        (
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?"]"#,
            "cpe:/a:microsoft:internet_explorer:8.%02:sp%01"
        ),
        (
            #"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=NA,sw_edition="online",target_sw="win2003",target_hw="x64"]"#,
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~"
        ),
        (
            #"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",target_sw="linux"]"#,
            "cpe:/a:hp:openview_network_manager:7.51::~~~linux~~"
        ),
        (
            #"wfn:[part="a",vendor="foo\\bar",product="big\$money_manager_2010",sw_edition="special",target_sw="ipod_touch",target_hw="80gb"]"#,
            "cpe:/a:foo%5cbar:big%24money_manager_2010:::~~special~ipod_touch~80gb~"
        ),
    ])
    func bindToURI(wfn: String, uri: String) throws {
        #expect(try CPEName(wfn: wfn).uri == uri)
    }

    @Test(arguments: [
        (
            "cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY,language=ANY]"#
        ),
        (
            "cpe:/a:microsoft:internet_explorer:8.%2a:sp%3f",
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.\*",update="sp\?",edition=ANY,language=ANY]"#
        ),
        (
            "cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?",edition=ANY,language=ANY]"#
        ),
        (
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
            #"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=ANY,edition=ANY,sw_edition="online",target_sw="win2003",target_hw="x64",other=ANY,language=ANY]"#
        ),
        (
            "cpe:/a:hp:openview_network_manager:7.51:-:~~~linux~~",
            #"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",update=NA,edition=ANY,sw_edition=ANY,target_sw="linux",target_HW=ANY,other=ANY,language=ANY]"#
        ),
        (
            "cpe:/a:foo~bar:big%7emoney_2010",
            #"wfn:[part="a",vendor="foo\~bar",product="big\~money_2010",version=ANY,update=ANY,edition=ANY,language=ANY]"#
        ),
    ])
    func unbindURI(uri: String, wfn: String) throws {
        #expect(try CPEName(uri: uri) == CPEName(wfn: wfn))
    }

    @Test(arguments: [
        ("cpe:/a:foo%5cbar:big%24money_2010%07:::~~special~ipod_touch~80gb~", "product"),
        ("cpe:/a:foo:bar:12.%02.1234", "version"),
    ])
    func unbindURIErrors(uri: String, attribute: String) {
        #expect(throws: CPEError.self) { try CPEName(uri: uri) }
        do { _ = try CPEName(uri: uri) } catch { #expect(error.attribute == attribute) }
    }

    @Test(arguments: [
        (
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY]"#,
            "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"
        ),
        (
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?",edition=ANY]"#,
            "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*"
        ),
        (
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.\*",update="sp?"]"#,
            #"cpe:2.3:a:microsoft:internet_explorer:8.\*:sp?:*:*:*:*:*:*"#
        ),
        (
            #"wfn:[part="a",vendor="hp",product="insight",version="7\.4\.0\.1570",update=NA,sw_edition="online",target_sw="win2003",target_hw="x64"]"#,
            "cpe:2.3:a:hp:insight:7.4.0.1570:-:*:*:online:win2003:x64:*"
        ),
        (
            #"wfn:[part="a",vendor="hp",product="openview_network_manager",version="7\.51",target_sw="linux"]"#,
            "cpe:2.3:a:hp:openview_network_manager:7.51:*:*:*:*:linux:*:*"
        ),
        (
            #"wfn:[part="a",vendor="foo\\bar",product="big\$money_2010",sw_edition="special",target_sw="ipod_touch",target_hw="80gb"]"#,
            #"cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:special:ipod_touch:80gb:*"#
        ),
    ])
    func bindToFormattedString(wfn: String, fs: String) throws {
        #expect(try CPEName(wfn: wfn).formattedString == fs)
    }

    @Test(arguments: [
        (
            "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update="beta",edition=ANY,language=ANY,sw_edition=ANY,target_sw=ANY,target_hw=ANY,other=ANY]"#
        ),
        (
            "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
            #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update="sp?",edition=ANY,language=ANY,sw_edition=ANY,target_sw=ANY,target_hw=ANY,other=ANY]"#
        ),
        (
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
            #"wfn:[part="a",vendor="hp",product="insight_diagnostics",version="7\.4\.0\.1570",update=NA,edition=ANY,language=ANY,sw_edition="online",target_sw="win2003",target_hw="x64",other=ANY]"#
        ),
        (
            #"cpe:2.3:a:foo\\bar:big\$money:2010:*:*:*:special:ipod_touch:80gb:*"#,
            #"wfn:[part="a",vendor="foo\\bar",product="big\$money",version="2010",update=ANY,edition=ANY,language=ANY,sw_edition="special",target_sw="ipod_touch",target_hw="80gb",other=ANY]"#
        ),
    ])
    func unbindFormattedString(fs: String, wfn: String) throws {
        #expect(try CPEName(formattedString: fs) == CPEName(wfn: wfn))
    }

    @Test(arguments: [
        "cpe:2.3:a:hp:insight_diagnostics:7.4.*.1570:*:*:*:*:*:*",
        "cpe:2.3:a:hp:insight_diagnostics:7.4.*.1570:*:*:*:*:*:*:*",
        "cpe:2.3:a:hp:insight diagnostics:7.4:*:*:*:*:*:*:*",
        "cpe:2.3:x:hp:insight:7.4:*:*:*:*:*:*:*",
        "cpe:2.3:a:hp::7.4:*:*:*:*:*:*:*",
        "cpe:2.3:a:hp:insight:7.4:*:*:english:*:*:*:*",
        "cpe:2.3:a:hp:insight:7.4:*:*:*:*:*:*:*:*",
    ])
    func formattedStringErrors(fs: String) {
        #expect(throws: CPEError.self) { try CPEName(formattedString: fs) }
    }

    /// Section 7: converting between the bindings through the WFN.
    @Test(arguments: [
        ("cpe:/a:microsoft:internet_explorer:8.0.6001:beta", "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"),
        ("cpe:/a:microsoft:internet_explorer:8.%02:sp%01", "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*"),
        ("cpe:/a:microsoft:internet_explorer:8.%2a:sp%3f", #"cpe:2.3:a:microsoft:internet_explorer:8.\*:sp\?:*:*:*:*:*:*"#),
        (
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~",
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*"
        ),
        ("cpe:/a:hp:openview_network_manager:7.51::~~~linux~~", "cpe:2.3:a:hp:openview_network_manager:7.51:*:*:*:*:linux:*:*"),
    ])
    func conversions(uri: String, fs: String) throws {
        #expect(try CPEName(uri: uri).formattedString == fs)
        #expect(try CPEName(formattedString: fs).uri == uri)
    }

    // MARK: Matching

    private func version(_ value: String) throws -> CPEName {
        try CPEName(wfn: "wfn:[part=\"a\",vendor=\"v\",product=\"p\",version=\"\(value)\"]")
    }

    @Test(arguments: [
        ("9\\.*", "9\\.3", CPERelation.superset), ("9\\.*", "8\\.3", .disjoint), ("9\\.*", "9\\.3\\.2", .superset),
        ("mac*", "mac", .superset), ("mac*", "not", .disjoint), ("?foo", "xfoo", .superset), ("?foo", "foo", .superset),
        ("?foo", "xxfoo", .disjoint), ("*foo", "xxfoo", .superset), ("foo??", "foo", .superset), ("foo??", "fooab", .superset),
        ("foo??", "fooabc", .disjoint), ("*b??", "abcd", .superset), ("sp?", "sp1", .superset), ("sp?", "sp12", .disjoint),
        ("1\\.0\\.?", "1\\.0\\.12", .disjoint), ("1\\.0\\.1", "1\\.0\\.12", .disjoint), ("8\\.0", "8\\.0", .equal),
        ("MAC", "mac", .equal), ("8\\.0", "8\\.*", .undefined),
    ])
    func wildcardComparison(source: String, target: String, relation: CPERelation) throws {
        #expect(try version(source).attributeRelations(to: version(target))[3] == relation)
    }

    /// Table 6-2, lines 1 to 17 (ANY, NA, i, k, m + wild cards).
    @Test func attributeComparisonTable() throws {
        func name(_ version: String) throws -> CPEName {
            try CPEName(wfn: "wfn:[version=\(version)]")
        }
        let cases: [(String, String, CPERelation)] = [
            ("ANY", "ANY", .equal), ("ANY", "NA", .superset), ("ANY", "\"foo\"", .superset), ("ANY", "\"*b??\"", .undefined),
            ("NA", "ANY", .subset), ("NA", "NA", .equal), ("NA", "\"foo\"", .disjoint), ("NA", "\"*b??\"", .undefined),
            ("\"foo\"", "\"foo\"", .equal), ("\"foo\"", "\"bar\"", .disjoint), ("\"foo\"", "\"*b??\"", .undefined),
            ("\"foo\"", "NA", .disjoint), ("\"foo\"", "ANY", .subset), ("\"*b??\"", "\"abcd\"", .superset),
            ("\"*b??\"", "\"xyz\"", .disjoint), ("\"*b??\"", "ANY", .subset), ("\"*b??\"", "NA", .disjoint),
            ("\"*b??\"", "\"*b?\"", .undefined),
        ]
        for (source, target, relation) in cases {
            #expect(try name(source).attributeRelations(to: name(target))[3] == relation, "\(source) vs \(target)")
        }
    }

    /// Table 6-3: a=a, Adobe vs ANY, ANY vs Reader, 9.* vs 9.3.2, ANY vs NA, PalmOS vs NA.
    @Test func attributeComparisonExample() throws {
        let source = try CPEName(formattedString: "cpe:2.3:a:adobe:*:9.*:*:PalmOS:*:*:*:*:*")
        let target = try CPEName(uri: "cpe:/a::Reader:9.3.2:-:-")
        #expect(
            Array(source.attributeRelations(to: target).prefix(6)) == [
                .equal, .subset, .superset, .superset, .superset, .disjoint,
            ])
        #expect(source.relation(to: target) == .disjoint)
        #expect(!source.matches(target))
    }

    @Test func introductionExample() throws {
        let source = try CPEName(
            wfn:
                #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.*",update=ANY,edition=ANY,language=ANY]"#
        )
        let target = try CPEName(
            wfn:
                #"wfn:[part="a",vendor="microsoft",product="internet_explorer",version="8\.0\.6001",update=NA,edition=NA,language="en\-us"]"#
        )
        #expect(source.relation(to: target) == .superset)
        // The other way round the target carries a wildcard: undefined (table 6-2, line 11).
        #expect(target.relation(to: source) == .undefined)
        #expect(source.matches(target))
    }

    /// Appendix B: CPE 2.2's name match as CPE_SUPERSET over a set of names.
    @Test func appendixBEmulation() throws {
        let known = try [
            CPEName(wfn: #"wfn:[part="o",vendor="microsoft",product="windows_2000",update="sp3",edition="pro"]"#),
            CPEName(wfn: #"wfn:[part="a",vendor="microsoft",product="ie",version="5\.5"]"#),
        ]
        let name = try CPEName(wfn: #"wfn:[part="o",vendor="microsoft",product="windows_2000"]"#)
        #expect(known.contains { name.matches($0) })
        #expect(name.relation(to: known[1]) == .disjoint)
    }

    @Test func subsetsBesideSupersetsAreUndefined() throws {
        let source = try CPEName(formattedString: "cpe:2.3:a:microsoft:*:8.0:*:*:*:*:*:*:*")
        let target = try CPEName(formattedString: "cpe:2.3:a:*:internet_explorer:8.0:*:*:*:*:*:*:*")
        #expect(source.relation(to: target) == .undefined)
        #expect(!source.matches(target))
    }
}
