import Foundation
import SigV4

/// A request from the AWS SigV4 test suites' `.req`/`request.txt` files: a request line, header lines (a line
/// starting with whitespace continues the previous value), a blank line, the body.
struct TestSuiteRequest {
    var method: String
    var path: String
    var query: [SigningRequest.QueryItem]
    var headers: [SigningRequest.Header]
    var body: [UInt8]

    init(_ text: String) throws {
        var lines = text.components(separatedBy: "\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 3 else { throw SuiteError("bad request line in \(text.prefix(60))") }
        method = String(requestLine[0])
        // The target may hold spaces ("/example space/"): everything between the method and the version.
        let target = requestLine[1..<(requestLine.count - 1)].joined(separator: " ")
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = try target[target.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: false)
                .map { pair in
                    let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard let name = URIEncoding.decode(parts[0]),
                        let value = URIEncoding.decode(parts.count > 1 ? parts[1] : "")
                    else { throw SuiteError("bad query \(pair)") }
                    return .init(name, value)
                }
        } else {
            path = target
            query = []
        }
        headers = []
        var bodyLines: [String] = []
        var inBody = false
        for line in lines {
            if inBody {
                bodyLines.append(line)
            } else if line.isEmpty {
                inBody = true
            } else if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append(.init(String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        body = Array(bodyLines.joined(separator: "\n").utf8)
    }

    var signingRequest: SigningRequest {
        SigningRequest(method: method, path: path, query: query, headers: headers)
    }
}

struct SuiteError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func read(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw SuiteError("cannot read \(path)") }
    return String(decoding: data, as: UTF8.self)
}
