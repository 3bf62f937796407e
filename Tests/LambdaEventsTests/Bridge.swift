import TestSupport

enum TestSupportBridge {
    static func bytes(_ name: String) throws -> [UInt8] { try ProjectEvents.bytes(name) }
}
