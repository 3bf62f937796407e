/// S3's wire names: headers, query parameters and XML elements the client sends or reads.
enum S3API {
    static let copySource = "x-amz-copy-source"
    static let metadataDirective = "x-amz-metadata-directive"
    static let taggingDirective = "x-amz-tagging-directive"
    static let serverSideEncryption = "x-amz-server-side-encryption"
    static let kmsKeyID = "x-amz-server-side-encryption-aws-kms-key-id"
    static let bucketKeyEnabled = "x-amz-server-side-encryption-bucket-key-enabled"
    static let contentMD5 = "Content-MD5"
    static let checksumAlgorithm = "x-amz-checksum-algorithm"
    static let ifNoneMatch = "If-None-Match"
    static let uploads = "uploads"
    static let uploadID = "uploadId"
    static let partNumberMarker = "part-number-marker"
    static let maxParts = "max-parts"
    static let xmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/"
    static let tagging = "tagging"
    static let taggingHeader = "x-amz-tagging"
    static let listType = "list-type"
    static let continuationToken = "continuation-token"
    static let maxKeys = "max-keys"
    static let prefix = "prefix"
    /// S3 allows 10 tags per object, keys up to 128 characters and values up to 256.
    static let maxTags = 10
    static let maxTagKey = 128
    static let maxTagValue = 256
}
