import Crypto
import Foundation
import Synchronization
import Testing
import UploadClient

/// `UploadClient` against the fake API: the bytes and calls on the wire, resuming, retries, and the messages.
@Suite("upload client")
struct UploadClientTests {
    let clock = TestClock()
    let api: FakeUploadAPI
    let progress = RecordedProgress()
    let directory: String

    init() throws {
        api = FakeUploadAPI(clock: clock)
        directory = try UploadTestSupport.directory()
    }

    func client(
        concurrency: Int = 4,
        token: String = FakeUploadAPI.token,
        stateDirectory: String? = nil
    )
        -> UploadClient
    {
        let clock = clock
        return UploadClient(
            settings: UploadClient.Settings(
                api: FakeUploadAPI.base,
                token: token,
                concurrency: concurrency,
                stateDirectory: stateDirectory,
                now: { clock.now },
                sleep: { clock.sleep($0) }
            ),
            transport: api,
            progress: progress
        )
    }

    func upload(_ path: String, concurrency: Int = 4) throws -> UploadClient.Result {
        let client = client(concurrency: concurrency)
        return try client.upload(path, limits: try client.limits())
    }

    func stored(_ key: String) -> [UInt8]? { api.state.withLock { $0.objects[key] } }

    @Test func aSmallFileGoesUpInOnePutWithItsChecksum() throws {
        let (path, bytes) = try UploadTestSupport.file("photo.png", size: 10_000, in: directory)
        let result = try upload(path)
        let create = try #require(api.requests("POST", "/uploads").first)
        #expect(create.parts.isEmpty)
        #expect(api.requests("PUT", "/s3/put").count == 1)
        #expect(api.requests("PUT", "/s3/part").isEmpty)
        #expect(stored(result.key) == bytes)
        #expect(result.size == 10_000)
        #expect(result.etag == "\"\(UploadTestSupport.md5(bytes))\"")
        #expect(!FileManager.default.fileExists(atPath: path + ".upload-edge-state.json"))
        #expect(result.json.hasPrefix(#"{"etag":""#))
        #expect(result.json.contains(#""file":"\#(path)""#))
    }

    @Test func aLargeFileGoesUpInPartsSignedAtMost100AtATime() throws {
        // 250 full parts of 1 KiB and a last one of 512 bytes.
        let (path, bytes) = try UploadTestSupport.file("scan.pdf", size: 250 * 1024 + 512, in: directory)
        let result = try upload(path)
        #expect(stored(result.key) == bytes)
        #expect(result.etag.hasSuffix("-251\""))
        let signings = api.requests("POST", "/uploads/multipart/parts")
        #expect(signings.allSatisfy { (1...100).contains($0.parts.count) })
        #expect(signings.flatMap(\.parts).sorted() == Array(1...251))
        #expect(signings.first?.parts.count == 4, "the first batch is as big as the worker pool")
        #expect(api.partPuts.sorted() == Array(1...251))
        #expect(progress.advanced == Int64(bytes.count))
        #expect(!FileManager.default.fileExists(atPath: path + ".upload-edge-state.json"))
    }

    @Test func aFailedPartIsTriedAgainAfterAGrowingWait() throws {
        let (path, bytes) = try UploadTestSupport.file("photo.jpg", size: 100 * 1024, in: directory)
        api.state.withLock {
            $0.serverErrors[3] = 2
            $0.connectionFailures[7] = 1
        }
        let result = try upload(path)
        #expect(stored(result.key) == bytes)
        #expect(api.partPuts.filter { $0 == 3 }.count == 3)
        #expect(api.partPuts.filter { $0 == 7 }.count == 2)
        #expect(clock.sleeps.sorted() == [.milliseconds(500), .milliseconds(500), .seconds(1)])
        #expect(progress.notes.contains { $0.contains("part 3 of photo.jpg: S3 answered 500 (InternalError") })
    }

    @Test func anInterruptedUploadResumesWithOnlyTheMissingParts() throws {
        let (path, bytes) = try UploadTestSupport.file("big.png", size: 80 * 1024 + 100, in: directory)
        api.state.withLock { $0.connectionFailures[5] = 3 }
        let failure = try #require(throws: UploadError.self) { try upload(path, concurrency: 2) }
        #expect(failure.code == .transferFailed)
        #expect(failure.message.contains("part 5 of big.png failed 3 times"))
        #expect(failure.message.contains("run the same command again to resume"))

        let location = path + ".upload-edge-state.json"
        let state = try #require(try UploadState.load(from: location))
        #expect(state.size == Int64(bytes.count))
        #expect(state.partCount == 81)
        #expect(state.partSize == 1024)
        #expect(state.path == path)
        let attributes = try FileManager.default.attributesOfItem(atPath: location)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let held = api.state.withLock { Set($0.uploads[state.uploadId]?.parts.keys.map { $0 } ?? []) }
        #expect(!held.contains(5))

        let before = api.partPuts.count
        let result = try upload(path)
        let resent = Array(api.partPuts.dropFirst(before))
        #expect(Set(resent) == Set(1...81).subtracting(held))
        #expect(resent.count == 81 - held.count, "each missing part once")
        #expect(api.requests("GET", "/uploads/multipart").count == 1)
        #expect(api.requests("POST", "/uploads").count == 1, "no new upload")
        #expect(stored(result.key) == bytes)
        #expect(progress.notes.contains { $0.contains("resuming, \(held.count) of 81 parts already uploaded") })
        #expect(!FileManager.default.fileExists(atPath: location))
    }

    @Test(arguments: [
        (404, #"{"error":"NoSuchUpload","message":"no such upload"}"#),
        (410, #"{"error":"SessionExpired","message":"the session expired"}"#),
        (403, #"{"error":"Forbidden","message":"the session does not match"}"#),
    ])
    func aStaleStateIsDroppedAndTheUploadStartsOver(status: Int, body: String) throws {
        let (path, bytes) = try UploadTestSupport.file("big.png", size: 70 * 1024, in: directory)
        let file = try UploadFile(path: path)
        let location = path + ".upload-edge-state.json"
        try UploadState(
            path: path,
            size: file.size,
            mtime: file.modificationTime,
            key: "uploads/sub/old/big.png",
            uploadId: "gone",
            session: "\(FakeUploadAPI.sessionPrefix)-gone",
            partSize: 1024,
            partCount: 70,
            api: FakeUploadAPI.base,
            contentType: "image/png"
        )
        .save(to: location)
        api.state.withLock { $0.forced["GET /uploads/multipart"] = (status, body) }
        let result = try upload(path)
        #expect(stored(result.key) == bytes)
        #expect(api.requests("POST", "/uploads").count == 1)
        #expect(
            progress.notes.contains { $0.contains("the interrupted upload is gone") && $0.contains("starting over") }
        )
        #expect(!FileManager.default.fileExists(atPath: location))
    }

    @Test func aFileChangedSinceTheInterruptionStartsOverAndAbortsTheOldUpload() throws {
        let (path, _) = try UploadTestSupport.file("big.png", size: 70 * 1024, in: directory)
        let file = try UploadFile(path: path)
        try UploadState(
            path: path,
            size: file.size,
            mtime: file.modificationTime - 1,
            key: "uploads/sub/old/big.png",
            uploadId: "old",
            session: "s",
            partSize: 1024,
            partCount: 70,
            api: FakeUploadAPI.base,
            contentType: "image/png"
        )
        .save(to: path + ".upload-edge-state.json")
        _ = try upload(path)
        #expect(api.requests("DELETE", "/uploads/multipart").count == 1)
        #expect(api.requests("GET", "/uploads/multipart").isEmpty)
        #expect(progress.notes.contains { $0.contains("changed since the interrupted upload") })
    }

    @Test func aStateDirectoryKeepsTheStateAwayFromTheFile() throws {
        let states = try UploadTestSupport.directory()
        let (path, _) = try UploadTestSupport.file("big.png", size: 70 * 1024, in: directory)
        api.state.withLock { $0.connectionFailures[2] = 3 }
        _ = try? client(concurrency: 1, stateDirectory: states).upload(
            path,
            limits: try client().limits()
        )
        let location = UploadState.location(for: path, directory: states)
        #expect(location.hasPrefix(states + "/big.png."))
        #expect(FileManager.default.fileExists(atPath: location))
        #expect(!FileManager.default.fileExists(atPath: path + ".upload-edge-state.json"))
    }

    @Test func aURLAboutToExpireIsSignedAgainBeforeItIsUsed() throws {
        let (path, bytes) = try UploadTestSupport.file("big.png", size: 70 * 1024, in: directory)
        // URLs last 60 s and each PUT takes 10 s: later parts of a batch would go out expired.
        api.state.withLock {
            $0.urlLifetime = 60
            $0.secondsPerPart = 10
        }
        let result = try upload(path, concurrency: 1)
        #expect(stored(result.key) == bytes)
        #expect(api.partPuts.count == 70, "no PUT went out with an expired URL")
        let singles = api.requests("POST", "/uploads/multipart/parts").filter { $0.parts.count == 1 }
        #expect(!singles.isEmpty)
    }

    @Test func aPartRefusedAsExpiredIsSignedAgainAndSent() throws {
        let (path, bytes) = try UploadTestSupport.file("big.png", size: 70 * 1024, in: directory)
        api.state.withLock { $0.expireOnce = [2] }
        let result = try upload(path)
        #expect(stored(result.key) == bytes)
        #expect(api.partPuts.filter { $0 == 2 }.count == 2)
        #expect(api.requests("POST", "/uploads/multipart/parts").contains { $0.parts == [2] })
        #expect(clock.sleeps.isEmpty, "an expired URL is signed again at once")
    }

    @Test func aRefusedTokenSaysToSignInAgain() throws {
        let (path, _) = try UploadTestSupport.file("photo.png", size: 10, in: directory)
        let client = client(token: "expired")
        let failure = try #require(throws: UploadError.self) {
            try client.upload(path, limits: try client.limits())
        }
        #expect(failure.code == .unauthorized)
        #expect(failure.stopsEveryUpload)
        #expect(failure.message.hasPrefix("the token was refused or expired: sign in again"))
    }

    @Test func aWrongAPIURLSaysWhatTheURLShouldBe() throws {
        api.state.withLock { $0.forced["GET /uploads"] = (404, #"{"message":"Not Found"}"#) }
        let failure = try #require(throws: UploadError.self) { try client().limits() }
        #expect(failure.code == .notAnUploadAPI)
        #expect(failure.message.contains("is --api the upload API's base URL"))

        api.state.withLock { $0.forced["GET /uploads"] = (200, "<html>a web page</html>") }
        let page = try #require(throws: UploadError.self) { try client().limits() }
        #expect(page.code == .notAnUploadAPI)

        api.state.withLock { $0.unreachable = true }
        let down = try #require(throws: UploadError.self) { try client().limits() }
        #expect(down.code == .unreachable)
        #expect(down.message.hasPrefix("cannot reach the API: Failed to connect to api.test port 80; is --api right"))
    }

    @Test func typesAndSizesTheAPIRefusesAreCaughtBeforeUploading() throws {
        let client = client()
        let limits = try client.limits()
        let (text, _) = try UploadTestSupport.file("notes.txt", size: 10, in: directory)
        let unknown = try #require(throws: UploadError.self) { try client.upload(text, limits: limits) }
        #expect(
            unknown.message.contains("cannot tell the type of \(text) from its extension .txt; pass --content-type")
        )
        #expect(unknown.message.contains("image/png, image/jpeg, application/pdf"))

        let (gif, _) = try UploadTestSupport.file("anim.gif", size: 10, in: directory)
        let refused = try #require(throws: UploadError.self) { try client.upload(gif, limits: limits) }
        #expect(refused.code == .unsupportedType)
        #expect(refused.message.contains("would go up as image/gif, which the API refuses"))

        var small = limits
        small.maxBytes = 5
        let (png, _) = try UploadTestSupport.file("photo.png", size: 10, in: directory)
        let large = try #require(throws: UploadError.self) { try client.upload(png, limits: small) }
        #expect(large.code == .tooLarge)
        #expect(large.message.contains("is 10 bytes, over your limit of 5 bytes"))
        #expect(api.requests("POST", "/uploads").isEmpty)

        let missing = try #require(throws: UploadError.self) {
            try client.upload(directory + "/none.png", limits: limits)
        }
        #expect(missing.message.hasPrefix("cannot open \(directory)/none.png: No such file or directory"))
    }

    @Test func theAPIsOwnRefusalsKeepTheirMessage() throws {
        let (path, _) = try UploadTestSupport.file("photo.png", size: 10, in: directory)
        api.state.withLock {
            $0.forced["POST /uploads"] = (
                413, #"{"error":"TooLarge","message":"the file is 10 bytes; your limit is 5"}"#
            )
        }
        let large = try #require(throws: UploadError.self) { try upload(path) }
        #expect(large.code == .tooLarge)
        #expect(large.message == "the file is too large for your limit: the file is 10 bytes; your limit is 5")
        api.state.withLock {
            $0.forced["POST /uploads"] = (415, #"{"error":"UnsupportedType","message":"image/png is not allowed"}"#)
        }
        let type = try #require(throws: UploadError.self) { try upload(path) }
        #expect(type.code == .unsupportedType)
        #expect(type.message.contains("image/png is not allowed; pass --content-type"))
    }

    @Test func noMessageCarriesTheTokenOrTheSession() throws {
        let (path, _) = try UploadTestSupport.file("big.png", size: 70 * 1024, in: directory)
        var messages: [String] = []
        api.state.withLock { $0.connectionFailures[4] = 3 }
        do { _ = try upload(path) } catch { messages.append((error as? UploadError)?.message ?? "\(error)") }
        api.state.withLock { $0.forced["GET /uploads/multipart"] = (403, #"{"error":"Forbidden","message":"no"}"#) }
        api.state.withLock { $0.forced["POST /uploads/multipart/parts"] = (503, #"{"message":"S3 failed"}"#) }
        do { _ = try upload(path) } catch { messages.append((error as? UploadError)?.message ?? "\(error)") }
        messages += progress.notes
        #expect(messages.count >= 3)
        for message in messages {
            #expect(!message.contains(FakeUploadAPI.token))
            #expect(!message.contains(FakeUploadAPI.sessionPrefix))
            #expect(!message.contains("uploadId="))
        }
    }

    @Test func incompleteCompletionSendsTheMissingPartsAgain() throws {
        let (path, bytes) = try UploadTestSupport.file("big.png", size: 70 * 1024, in: directory)
        // S3 "loses" part 9 after storing it: completion names it, the client sends it again.
        let client = client()
        let limits = try client.limits()
        api.state.withLock { $0.secondsPerPart = 0 }
        let lose = LoseOnce(api: api, part: 9)
        let wrapped = UploadClient(settings: client.settings, transport: lose, progress: progress)
        let result = try wrapped.upload(path, limits: limits)
        #expect(stored(result.key) == bytes)
        #expect(api.partPuts.filter { $0 == 9 }.count == 2)
        #expect(progress.notes.contains { $0.contains("parts 9 are missing") })
    }
}

/// Drops a stored part from the fake just before the first completion.
final class LoseOnce: HTTPTransport {
    let api: FakeUploadAPI
    let part: Int
    let done = Mutex(false)

    init(api: FakeUploadAPI, part: Int) {
        self.api = api
        self.part = part
    }

    func makeConnection() throws -> any HTTPConnection { Connection(owner: self) }

    final class Connection: HTTPConnection {
        let owner: LoseOnce
        init(owner: LoseOnce) { self.owner = owner }

        func send(
            _ method: String,
            _ url: String,
            headers: [(String, String)],
            body: [UInt8]?,
            timeout: Duration
        ) throws -> HTTPResponse {
            if url.hasSuffix("/uploads/multipart/complete"), !owner.done.withLock({ $0 }) {
                owner.done.withLock { $0 = true }
                let part = owner.part
                owner.api.state.withLock { state in
                    for id in state.uploads.keys { state.uploads[id]?.parts[part] = nil }
                }
            }
            return try owner.api.handle(method, url, headers: headers, body: body ?? [])
        }
    }
}
