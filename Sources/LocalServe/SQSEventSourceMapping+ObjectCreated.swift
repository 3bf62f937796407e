import Foundation

extension SQSEventSourceMapping {
    /// One object an S3 `ObjectCreated` notification names.
    public struct CreatedObject: Sendable, Hashable, CustomStringConvertible {
        public var bucket: String
        /// The key, decoded (notifications URL-encode it).
        public var key: String

        public init(bucket: String, key: String) {
            self.bucket = bucket
            self.key = key
        }

        public var description: String { "s3://\(bucket)/\(key)" }
    }

    /// The prefix object-created moves rejected uploads to: nothing there is scanned again.
    static let quarantinePrefix = "quarantine/"

    /// The objects an SQS message's body (an S3 notification) says were created: `ObjectCreated:*` records only;
    /// `s3:TestEvent`, other event names, bodies that are no S3 notification and keys under `quarantine/` give none.
    static func createdObjects(inBody body: String) -> [CreatedObject] {
        guard let notification = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let records = notification["Records"] as? [[String: Any]]
        else { return [] }
        return records.compactMap { record in
            guard (record["eventName"] as? String)?.hasPrefix("ObjectCreated:") == true,
                let s3 = record["s3"] as? [String: Any],
                let bucket = (s3["bucket"] as? [String: Any])?["name"] as? String,
                let encodedKey = (s3["object"] as? [String: Any])?["key"] as? String,
                // S3 form-encodes the key: "+" is a space, the rest is percent-encoded.
                let key = encodedKey.replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                !key.hasPrefix(quarantinePrefix)
            else { return nil }
            return CreatedObject(bucket: bucket, key: key)
        }
    }
}
