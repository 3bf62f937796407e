import S3Presigning
import Testing

@testable import S3

@Suite("XML: reading S3's responses")
struct XMLElementTests {
    /// Found by the fuzz-s3-xml target: a combining mark right after the prefix's colon hid the colon inside one
    /// Character, so `<p:\u{0740}x>` kept its prefix and the same name read two ways.
    @Test func dropsAPrefixWhoseColonACombiningMarkFollows() throws {
        let root = try XMLElement.parse(Array("<p:Tag><s3:\u{0740}Key>v</s3:\u{0740}Key></p:Tag>".utf8))
        #expect(root.name == "Tag")
        #expect(root.children.map(\.name) == ["\u{0740}Key"])
        #expect(root.text("\u{0740}Key") == "v")
    }

    @Test func readsAnErrorDocumentWithEntities() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The key &quot;a&amp;b&lt;c&gt;&#233;&#x41;&quot; does not exist</Message>
            <RequestId>4442587FB7D0A2F9</RequestId></Error>
            """
        let root = try XMLElement.parse(Array(xml.utf8))
        #expect(root.name == "Error")
        #expect(root.text("Code") == "NoSuchKey")
        #expect(root.text("Message") == #"The key "a&b<c>éA" does not exist"#)
        #expect(root.text("RequestId") == "4442587FB7D0A2F9")
    }

    @Test func readsAListingWithNamespacesAttributesAndCDATA() throws {
        let xml = """
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <IsTruncated>true</IsTruncated>
              <Contents><Key>uploads/a b.png</Key><Size>12</Size><ETag>&quot;abc&quot;</ETag></Contents>
              <Contents><Key><![CDATA[uploads/<odd>.png]]></Key><Size>7</Size></Contents>
              <!-- a comment -->
              <NextContinuationToken>tok==</NextContinuationToken>
              <s3:Empty xmlns:s3="x"/>
            </ListBucketResult>
            """
        let root = try XMLElement.parse(Array(xml.utf8))
        let contents = root.all("Contents")
        #expect(contents.map { $0.text("Key") } == ["uploads/a b.png", "uploads/<odd>.png"])
        #expect(contents.first?.text("ETag") == "\"abc\"")
        #expect(root.text("NextContinuationToken") == "tok==")
        #expect(root["Empty"] != nil)
    }

    @Test(arguments: [
        "", "<a>", "<a></b>", "<a>&bogus;</a>", "<a></a><b/>", "text", "<a x=\"1></a>", "<a>&amp</a>",
    ])
    func refusesMalformedDocuments(_ text: String) {
        #expect(throws: XMLElement.ParseError.self) { try XMLElement.parse(Array(text.utf8)) }
    }

    @Test func refusesNestingDeeperThanTheLimit() {
        let deep = String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40)
        #expect(throws: XMLElement.ParseError.self) { try XMLElement.parse(Array(deep.utf8)) }
    }

    @Test func escapesTextForRequestBodies() {
        #expect(S3Presigner.escapeXML(#"a&b<c>"d'e"#) == "a&amp;b&lt;c&gt;&quot;d&apos;e")
    }
}
