import Foundation
import LambdaCodable
import LambdaEvents

/// Measures how long decoding an event takes: `LambdaJSONDecoder` against Foundation's `JSONDecoder` on the same
/// type, and dispatch by shape on top.
public struct EventDecodingBenchmark: Sendable {
    /// One way of decoding one event, timed.
    public struct Measurement: Sendable, Codable {
        public var event: String
        public var method: String
        public var microsecondsPerDecode: Double
    }

    public var batches: Int
    public var batchSize: Int

    public init(batches: Int = 30, batchSize: Int = 1_000) {
        self.batches = batches
        self.batchSize = batchSize
    }

    /// Times each of `methods` in turns: one batch of each per round, `batches` rounds, so a slow spell of the
    /// machine hits every method alike. Returns the median time per call of each, in microseconds.
    public func time(_ methods: [() throws -> Void]) throws -> [Double] {
        for method in methods {
            for _ in 0..<batchSize { try method() }
        }
        var samples = Array(repeating: [Double](), count: methods.count)
        for _ in 0..<batches {
            for (index, method) in methods.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<batchSize { try method() }
                samples[index].append(Double(DispatchTime.now().uptimeNanoseconds - start) / Double(batchSize) / 1_000)
            }
        }
        return samples.map { $0.sorted()[$0.count / 2] }
    }

    /// Times `T` from `bytes` three ways: LambdaJSONDecoder, JSONDecoder, and dispatch by shape plus decode.
    public func measure<T: Decodable>(
        _ type: T.Type,
        named name: String,
        bytes: [UInt8]
    ) throws -> [Measurement] {
        let data = Data(bytes)
        let foundation = JSONDecoder()
        let ours = LambdaJSONDecoder()
        // Check each way decodes before timing it.
        _ = try foundation.decode(type, from: data)
        _ = try ours.decode(type, from: bytes)
        _ = try LambdaEvent.decode(bytes)
        let times = try time([
            { _ = try foundation.decode(type, from: data) },
            { _ = try ours.decode(type, from: bytes) },
            { _ = try LambdaEvent.decode(bytes) },
        ])
        return zip(["JSONDecoder (Foundation)", "LambdaJSONDecoder", "LambdaEvent.decode (shape + decode)"], times).map
        {
            Measurement(event: name, method: $0, microsecondsPerDecode: $1)
        }
    }
}
