import Testing

@testable import UploadHandlers

/// Damaged files: the inspectors must answer (never trap), and whatever they accept and strip must pass again.
@Suite("Inspection: damaged files")
struct InspectionFuzzTests {
    typealias F = InspectionFixture

    static let samples: [(String, [UInt8])] = [
        ("image/png", F.png()), ("image/jpeg", F.jpeg(entropyBytes: 600)), ("image/gif", F.gif()),
        ("image/webp", F.webp()), ("application/pdf", InspectionPDFTests.harmless),
    ]

    @Test(arguments: samples.indices)
    func damagedFilesAreAnsweredAndWhatPassesStripsToAFileThatPassesAgain(_ sample: Int) {
        let (type, original) = Self.samples[sample]
        let noise = F.noise(40_000, seed: UInt64(sample) + 100)
        var passed = 0
        for round in 0..<2000 {
            var bytes = original
            let pick = { (index: Int) in Int(noise[(round * 20 + index) % noise.count]) }
            let position = (pick(0) << 8 | pick(1)) % bytes.count
            switch round % 4 {
            case 0: bytes[position] ^= UInt8(1 << (pick(2) % 8))
            case 1: bytes[position] = UInt8(pick(3))
            case 2: bytes.removeSubrange(position..<min(bytes.count, position + 1 + pick(4) % 8))
            default: bytes.insert(contentsOf: [UInt8(pick(5)), UInt8(pick(6))], at: position)
            }
            let outcome = F.inspect(type, bytes, chunk: 1 + pick(7) % 64, strip: true)
            guard outcome.problem == nil, let output = outcome.output, type != "image/gif", type != "application/pdf"
            else { continue }
            passed += 1
            let again = F.inspect(type, output, chunk: 5, strip: true)
            #expect(again.problem == nil, "round \(round): \(String(describing: again.problem))")
            let same = again.output == output
            #expect(same, "round \(round): stripping twice changed the bytes")
            #expect(!again.stripped, "round \(round)")
        }
        if type != "image/gif", type != "application/pdf" { #expect(passed > 0) }
    }
}
