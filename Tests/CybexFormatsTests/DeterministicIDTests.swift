import CybexCore
import Testing

@testable import CybexFormats

@Suite struct DeterministicIDTests {
    func id(_ json: String) throws -> String? {
        DeterministicID.identifier(for: try JSONReader.parse(Array(json.utf8)))
    }

    /// The test vectors of the STIX 2.1 digest (shared/standards/stix-2.1.md §1), the first of them
    /// also the identifier example of the specification's section 2.9.
    @Test(arguments: [
        (#"{"type":"ipv4-addr","value":"198.51.100.3"}"#, "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"),
        (#"{"type":"domain-name","value":"example.com"}"#, "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"),
        (#"{"type":"email-addr","value":"john@example.com"}"#, "email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934"),
        (
            #"{"type":"file","hashes":{"SHA-256":"fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db"},"name":"foo.exe"}"#,
            "file--741019a6-c339-5e5d-ad1e-6fa3dec47bb4"
        ),
    ])
    func digestVectors(object: String, expected: String) throws {
        #expect(try id(object) == expected)
    }

    /// Computed with the Python `stix2` library 3.0.2 (`stix2.<Type>(...)` without an id, then `.id`);
    /// each object is the library's own serialisation of what it was given, less `id` and `spec_version`.
    @Test(arguments: [
        // Two hashes: MD5 is chosen before SHA-256 whatever the order.
        (
            #"{"type":"file","hashes":{"SHA-256":"fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db","MD5":"d41d8cd98f00b204e9800998ecf8427e"},"name":"foo.exe"}"#,
            "file--51d0535d-dfbb-5909-b066-8ee329783353"
        ),
        // No MD5/SHA-1/SHA-256/SHA-512: the first hash as written.
        (
            #"{"type":"file","hashes":{"SSDEEP":"3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C","SHA3-256":"a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"},"name":"bar.dll"}"#,
            "file--2ea4842d-9604-5d39-a0b3-874d0f0903c7"
        ),
        // An integer; `name` does not contribute.
        (
            #"{"type":"autonomous-system","number":15139,"name":"Slime Industries"}"#,
            "autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff"
        ),
        // References, integers and a list.
        (
            #"{"type":"network-traffic","src_ref":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","dst_ref":"domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7","src_port":49152,"dst_port":443,"protocols":["ipv4","tcp","ssl","https"]}"#,
            "network-traffic--8e0e8d1d-f9ef-5abf-8d03-252739846b4c"
        ),
        // A timestamp is used as written.
        (
            #"{"type":"network-traffic","start":"2020-01-01T00:00:00Z","src_ref":"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4","protocols":["ipv4","udp"]}"#,
            "network-traffic--145df1b5-3f3b-5ff0-8105-40fd4fd19c5a"
        ),
        // A list of objects; backslashes in a string.
        (
            #"{"type":"windows-registry-key","key":"HKEY_LOCAL_MACHINE\\System\\Foo\\Bar","values":[{"name":"Foo","data":"qwerty","data_type":"REG_SZ"},{"name":"Bar","data":"42","data_type":"REG_DWORD"}]}"#,
            "windows-registry-key--e68e0cfb-e4a4-529f-a747-39e7e378e40e"
        ),
        // Non-ASCII text, quotes, backslashes and control characters (escaped as \n, \t, \u0001).
        (
            #"{"type":"email-message","is_multipart":false,"from_ref":"email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934","subject":"Ünïcödé \"quoted\" \\ back","body":"line1\nline2\ttab\u0001ctl"}"#,
            "email-message--3610d4ad-5a38-5172-80a6-d56a045612b9"
        ),
        (
            #"{"type":"software","name":"Résumé™ 😀","cpe":"cpe:2.3:a:example:resume:1.0:*:*:*:*:*:*:*","vendor":"Example","version":"1.0"}"#,
            "software--d76777fa-57e3-502c-b75f-4339fb30da81"
        ),
        // SHA-1 is chosen before SHA-256.
        (
            #"{"type":"x509-certificate","hashes":{"SHA-1":"da39a3ee5e6b4b0d3255bfef95601890afd80709","SHA-256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},"serial_number":"36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06"}"#,
            "x509-certificate--c7a7ed3a-11a8-50ab-9094-cb75336d5bd5"
        ),
        (
            #"{"type":"user-account","user_id":"1001","account_login":"jdoe","account_type":"unix","display_name":"J Doe"}"#,
            "user-account--f94d689e-707d-58c3-b803-c720bb6ed096"
        ),
        (#"{"type":"directory","path":"C:\\Windows\\System32"}"#, "directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"),
        // Extensions contribute as a whole.
        (
            #"{"type":"file","name":"report.pdf","extensions":{"pdf-ext":{"version":"1.7","pdfid0":"DFCE52BD827ECF765649852119D","pdfid1":"57A1E0F9ED2AE523E313C"}}}"#,
            "file--7ae1760a-71f0-535a-b2a1-a91bbb861d80"
        ),
        (
            #"{"type":"artifact","mime_type":"text/plain","payload_bin":"VGhpcyBpcyBhIHRlc3Qu"}"#,
            "artifact--ab46e475-7d70-567e-9157-2cef085c5165"
        ),
        (#"{"type":"mutex","name":"__CLEANSWEEP__"}"#, "mutex--f93fe911-e545-5239-b9b0-597840d0c871"),
        (
            #"{"type":"url","value":"https://example.com/path?q=a%20b&x=1#frag"}"#,
            "url--0c528ff3-4a8b-5569-ace6-d7c15dc89974"
        ),
        (#"{"type":"mac-addr","value":"d2:fb:49:24:37:18"}"#, "mac-addr--757b1725-9903-54f5-a855-1240691d7659"),
        (#"{"type":"ipv6-addr","value":"2001:db8::/32"}"#, "ipv6-addr--8da31feb-e0f9-54c3-ab30-bd8ccea361dd"),
    ])
    func stix2LibraryVectors(object: String, expected: String) throws {
        #expect(try id(object) == expected)
    }

    @Test func propertyOrderAndNonContributingPropertiesDoNotMatter() throws {
        let a = try id(#"{"type":"user-account","account_login":"jdoe","user_id":"1001","account_type":"unix"}"#)
        let b = try id(
            #"{"id":"x","account_type":"unix","is_disabled":true,"user_id":"1001","type":"user-account","account_login":"jdoe"}"#
        )
        #expect(a == "user-account--f94d689e-707d-58c3-b803-c720bb6ed096")
        #expect(a == b)
    }

    @Test func noDeterministicIdentifier() throws {
        #expect(try id(#"{"type":"process","pid":4}"#) == nil)  // process has no contributing properties
        #expect(try id(#"{"type":"x509-certificate","issuer":"CN=x"}"#) == nil)  // none present: UUIDv4
        #expect(try id(#"{"type":"indicator","pattern":"x"}"#) == nil)  // not an SCO
        #expect(try id(#"{"type":"x-custom-sco","value":"x"}"#) == nil)
        #expect(try id(#"{"value":"x"}"#) == nil)
        #expect(try id(#"{"type":"file","name":"a","hashes":{}}"#) == nil)  // no hash to choose
        #expect(try id(#"{"type":"autonomous-system","number":1e400}"#) == nil)  // not a double
    }

    @Test func identifiersAreUUIDv5() throws {
        let text = try #require(try id(#"{"type":"mutex","name":"m"}"#))
        let parsed = try #require(STIXIdentifier(text))
        #expect(parsed.uuidVersion == 5)
    }

    // MARK: RFC 8785

    /// The property sorting example of RFC 8785 section 3.2.3: keys sort by UTF-16 code units, so the
    /// emoji (a surrogate pair, D83D…) sorts before U+FB33. Expected output from the `stix2` 3.0.2
    /// canonicaliser.
    @Test func sortsKeysByUTF16CodeUnits() throws {
        let input =
            #"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#
        let canonical = DeterministicID.canonicalJSON(try JSONReader.parse(Array(input.utf8)))
        #expect(
            canonical
                == "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"דּ\":\"Hebrew Letter Dalet With Dagesh\"}"
        )
    }

    /// ECMAScript number serialisation; expected output from the `stix2` 3.0.2 canonicaliser.
    @Test func writesNumbersAsECMAScript() throws {
        let input =
            #"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001,1e21,1e-7,0.000001,100,-0.0,123456789012345680000]}"#
        let canonical = DeterministicID.canonicalJSON(try JSONReader.parse(Array(input.utf8)))
        #expect(
            canonical
                == #"{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27,1e+21,1e-7,0.000001,100,0,123456789012345680000]}"#
        )
    }

    @Test(arguments: [
        ("0", "0"), ("-0", "0"), ("1", "1"), ("-1", "-1"), ("10", "10"), ("1.0", "1"), ("1e2", "100"),
        ("9007199254740991", "9007199254740991"), ("9007199254740993", "9007199254740992"), ("0.1", "0.1"),
        ("1e20", "100000000000000000000"), ("1e-6", "0.000001"), ("1.5e-7", "1.5e-7"), ("-2.5e+25", "-2.5e+25"),
        ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"), ("123.456", "123.456"),
    ])
    func ecmaScriptNumbers(json: String, expected: String) {
        #expect(DeterministicID.ecmaScriptNumber(json) == expected)
    }

    @Test func escapesStringsLikeJSONStringify() {
        #expect(
            DeterministicID.canonicalJSON(.string("\u{08}\u{0C}\n\r\t\u{01}\u{1F}\"\\/\u{7F}\u{2028}é"))
                == "\"\\b\\f\\n\\r\\t\\u0001\\u001f\\\"\\\\/\u{7F}\u{2028}é\"")
    }
}
