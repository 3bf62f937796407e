import Foundation
import Synchronization
import Testing
import UploadClient

@Suite("upload progress and plans")
struct ProgressDisplayTests {
    final class Output: Sendable {
        let text = Mutex("")
        func write(_ part: String) { text.withLock { $0 += part } }
    }

    final class Clock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 0))
        func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
        var now: Date { time.withLock { $0 } }
    }

    @Test func plainLinesComeEveryTenPercent() {
        let output = Output()
        let clock = Clock()
        let display = ProgressDisplay(style: .lines, now: { clock.now }, write: { output.write($0) })
        display.begin(file: "big.png", totalBytes: 100 * 1_048_576, doneBytes: 0)
        for _ in 0..<40 {
            clock.advance(0.1)
            display.advance(bytes: 2_621_440)  // 2.5 %
        }
        display.end(succeeded: true)
        let lines = output.text.withLock { $0 }.split(separator: "\n")
        #expect(lines.count == 12, "0 %, 10 % … 100 %, and the end: \(lines)")
        #expect(lines[1] == "big.png:  10%  10.0 MiB/100.0 MiB  25.0 MiB/s  ETA 0:04")
        #expect(lines[10] == "big.png: 100%  100.0 MiB/100.0 MiB  25.0 MiB/s  completing…")
        #expect(lines.last == "big.png: 100%  100.0 MiB/100.0 MiB  25.0 MiB/s  in 0:04")
        #expect(!output.text.withLock { $0 }.contains("\r"))
    }

    @Test func theBarIsRedrawnInPlaceWithRateAndETA() {
        let output = Output()
        let clock = Clock()
        let display = ProgressDisplay(style: .bar, now: { clock.now }, write: { output.write($0) })
        display.begin(file: "big.png", totalBytes: 1_048_576 * 10, doneBytes: 1_048_576 * 5)
        clock.advance(1)
        display.advance(bytes: 1_048_576)
        display.note("retrying part 3")
        let text = output.text.withLock { $0 }
        #expect(text.hasPrefix("\r\u{1B}[Kbig.png [############------------]  50%"))
        #expect(
            text.contains("\r\u{1B}[Kbig.png [##############----------]  60%  6.0 MiB/10.0 MiB  1.0 MiB/s  ETA 0:04")
        )
        #expect(text.hasSuffix("\r\u{1B}[Kretrying part 3\n"))
    }

    @Test func partsAreAllFullButTheLast() throws {
        let plan = try PartPlan(size: 20 * 1024 * 1024 + 3, partSize: 8 * 1024 * 1024, partCount: 3)
        #expect(plan.offset(of: 3) == 16 * 1024 * 1024)
        #expect(plan.length(of: 2) == 8 * 1024 * 1024)
        #expect(plan.length(of: 3) == 4 * 1024 * 1024 + 3)
        #expect(throws: UploadError.self) { try PartPlan(size: 100, partSize: 10, partCount: 11) }
        #expect(throws: UploadError.self) { try PartPlan(size: 100, partSize: 10, partCount: 9) }
    }

    @Test func multipartStartsAtTheThresholdOrPastOnePutsLimit() {
        let limits = UploadLimits(
            maxBytes: 1 << 40,
            allowedTypes: [],
            multipartThreshold: 64,
            singleUploadMaxBytes: 5 << 30
        )
        #expect(!limits.usesMultipart(size: 63))
        #expect(limits.usesMultipart(size: 64))
        let high = UploadLimits(maxBytes: 1 << 40, allowedTypes: [], multipartThreshold: 10 << 30)
        #expect(high.usesMultipart(size: (5 << 30) + 1))
        #expect(!UploadLimits(maxBytes: 100, allowedTypes: [], multipartThreshold: nil).usesMultipart(size: 99))
    }
}
