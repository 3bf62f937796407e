// Full Foundation is fine here: UploadClient is upload-edge's, never linked into bootstrap (BootstrapBinaryTests
// keeps that binary free of Foundation), so no canImport(FoundationEssentials) is needed.
import Foundation

/// Multipart uploads: start or resume, send the missing parts, complete.
extension UploadClient {
    /// Uploads `file` in parts, resuming from its state file when there is one.
    func multipart(_ file: UploadFile, contentType: String, api: UploadAPIClient) throws(UploadError) -> Result {
        let location = UploadState.location(for: file.path, directory: settings.stateDirectory)
        let resumed = try resume(file, from: location, api: api)
        var completed = resumed.parts
        let state: UploadState
        if let saved = resumed.state {
            state = saved
        } else {
            state = try start(file, contentType: contentType, api: api, location: location)
        }
        let plan = try PartPlan(size: state.size, partSize: state.partSize, partCount: state.partCount)
        let session = Self.session(state)
        let done = completed.keys.reduce(Int64(0)) { $0 + plan.length(of: $1) }
        progress.begin(file: file.path, totalBytes: file.size, doneBytes: done)
        var succeeded = false
        defer { progress.end(succeeded: succeeded) }

        var round = 1
        while true {
            let missing = (1...plan.partCount).filter { completed[$0] == nil }
            let transfer = MultipartTransfer(
                file: file,
                plan: plan,
                session: session,
                settings: settings,
                transport: transport,
                progress: progress
            )
            completed.merge(try transfer.run(missing: missing)) { $1 }
            if let now = try? UploadFile(path: file.path),
                now.size != file.size || now.modificationTime != file.modificationTime
            {
                throw UploadError(
                    .fileChanged,
                    "\(file.path) changed while it was being uploaded; run the command again"
                )
            }
            do {
                let parts = completed.values.sorted { $0.partNumber < $1.partNumber }
                let object = try api.complete(session, parts: parts)
                UploadState.remove(at: location)
                succeeded = true
                return Result(file: file.path, key: object.key, size: object.size ?? file.size, etag: object.etag ?? "")
            } catch  where error.code == .incompleteUpload && round < Self.maximumCompletionRounds {
                // S3 lacks parts the client thought were sent: send what the list does not show, then again.
                progress.note("\(file.path): \(error.message); sending those parts again")
                completed = try Self.stored(api.listParts(session), plan: plan)
                round += 1
            } catch  where error.code == .sessionExpired || error.code == .noSuchUpload {
                UploadState.remove(at: location)
                throw error
            }
        }
    }

    /// Starts a multipart upload and saves its state before any part goes up.
    private func start(
        _ file: UploadFile,
        contentType: String,
        api: UploadAPIClient,
        location: String
    )
        throws(UploadError) -> UploadState
    {
        let grant = try api.createMultipart(filename: file.filename, contentType: contentType, size: file.size)
        _ = try PartPlan(size: file.size, partSize: grant.partSize, partCount: grant.partCount)
        let state = UploadState(
            path: UploadState.absolutePath(file.path),
            size: file.size,
            mtime: file.modificationTime,
            key: grant.key,
            uploadId: grant.uploadId,
            session: grant.session,
            partSize: grant.partSize,
            partCount: grant.partCount,
            api: settings.api,
            contentType: contentType
        )
        do {
            try state.save(to: location)
        } catch {
            try? api.abort(Self.session(state))
            throw error
        }
        return state
    }

    /// The state to resume and the parts S3 already holds, or `(nil, [:])` to start afresh (with a note why).
    private func resume(
        _ file: UploadFile,
        from location: String,
        api: UploadAPIClient
    ) throws(UploadError)
        -> (state: UploadState?, parts: [Int: CompletedPart])
    {
        guard let state = try UploadState.load(from: location) else { return (nil, [:]) }
        guard state.api == settings.api else {
            progress.note("\(file.path): the saved upload in \(location) is for another API; starting over")
            return (nil, [:])
        }
        guard state.matches(file), state.path == UploadState.absolutePath(file.path) else {
            progress.note(
                "\(file.path) changed since the interrupted upload (size or modification time); starting over"
            )
            try? api.abort(Self.session(state))
            UploadState.remove(at: location)
            return (nil, [:])
        }
        do {
            let plan = try PartPlan(size: state.size, partSize: state.partSize, partCount: state.partCount)
            let stored = try Self.stored(api.listParts(Self.session(state)), plan: plan)
            progress.note("\(file.path): resuming, \(stored.count) of \(state.partCount) parts already uploaded")
            return (state, stored)
        } catch  where [.noSuchUpload, .sessionExpired, .forbidden].contains(error.code) {
            progress.note("\(file.path): the interrupted upload is gone (\(error.message)); starting over")
            UploadState.remove(at: location)
            return (nil, [:])
        }
    }

    /// The listed parts that have their planned size, by part number.
    static func stored(_ parts: [ListedPart], plan: PartPlan) -> [Int: CompletedPart] {
        var result: [Int: CompletedPart] = [:]
        for part in parts where (1...plan.partCount).contains(part.partNumber) {
            guard part.size == plan.length(of: part.partNumber) else { continue }
            result[part.partNumber] = CompletedPart(
                partNumber: part.partNumber,
                etag: part.etag,
                checksumSHA256: part.checksumSHA256
            )
        }
        return result
    }

    static func session(_ state: UploadState) -> UploadAPIClient.Session {
        UploadAPIClient.Session(key: state.key, uploadId: state.uploadId, session: state.session)
    }
}
