#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The moment a request is signed, in the formats SigV4 uses: `20261125T142715Z` and `20261125`.
public struct SigningTime: Sendable, Equatable, Hashable {
    /// Seconds since the Unix epoch.
    public let epochSeconds: Int64
    /// ISO 8601 basic format, `YYYYMMDD'T'HHMMSS'Z'`: the `X-Amz-Date`.
    public let amzDate: String
    /// `YYYYMMDD`: the date of the credential scope.
    public var dateStamp: Substring { amzDate.prefix(8) }

    /// The time `epochSeconds` seconds after the Unix epoch (negative before it), in UTC.
    public init(epochSeconds: Int64) {
        self.epochSeconds = epochSeconds
        let days = Int(floorDivide(epochSeconds, 86_400))
        let secondOfDay = Int(epochSeconds - Int64(days) * 86_400)
        let (year, month, day) = civil(fromDays: days)
        guard (0...9999).contains(year) else {
            // Outside four-digit years: the plain way, which prints the year as it is.
            self.amzDate =
                pad(year, 4) + pad(month, 2) + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2)
                + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "Z"
            return
        }
        // Written digit by digit into the string's own storage: this runs for every POST policy's expiration.
        self.amzDate = String(unsafeUninitializedCapacity: 16) { out in
            var written = 0
            func put(_ value: Int, _ width: Int) {
                var value = value
                var index = written + width - 1
                while index >= written {
                    out[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                    index -= 1
                }
                written += width
            }
            put(year, 4)
            put(month, 2)
            put(day, 2)
            out[written] = UInt8(ascii: "T")
            written += 1
            put(secondOfDay / 3600, 2)
            put(secondOfDay / 60 % 60, 2)
            put(secondOfDay % 60, 2)
            out[written] = UInt8(ascii: "Z")
            return written + 1
        }
    }

    /// Days since 1970-01-01: what the signing key cache compares, instead of the date's text.
    var epochDay: Int64 { floorDivide(epochSeconds, 86_400) }

    /// Parses `YYYYMMDD'T'HHMMSS'Z'`, as `--date` takes it.
    /// - Throws: `SigV4Error.invalidSetting` for anything else.
    public init(amzDate text: String) throws(SigV4Error) {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
            let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else {
            throw SigV4Error(
                .invalidSetting,
                "\"\(text)\" is not a signing time: use YYYYMMDDTHHMMSSZ, e.g. 20261125T142715Z"
            )
        }
        let days = Self.days(fromCivil: year, month, day)
        self.init(epochSeconds: Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second))
        guard amzDate == text else {
            throw SigV4Error(.invalidSetting, "\"\(text)\" is not a real date (day \(day) of month \(month))")
        }
    }

    /// The current time.
    public static func now() -> SigningTime {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return SigningTime(epochSeconds: Int64(time.tv_sec))
    }

    /// ISO 8601 extended format, `YYYY-MM-DDTHH:MM:SSZ`: a POST policy's `expiration`.
    public var iso8601: String {
        var basic = amzDate
        guard basic.utf8.count == 16 else {
            // A year past 9999: split the text around its fixed-width tail.
            let bytes = Array(basic.utf8)
            let year = bytes.count - 12
            var out = Array(bytes[0..<year])
            out.append(UInt8(ascii: "-"))
            out.append(contentsOf: bytes[year..<year + 2])
            out.append(UInt8(ascii: "-"))
            out.append(contentsOf: bytes[year + 2..<year + 5])
            out.append(contentsOf: bytes[year + 5..<year + 7])
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: bytes[year + 7..<year + 9])
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: bytes[year + 9..<year + 12])
            return String(decoding: out, as: UTF8.self)
        }
        return basic.withUTF8 { basic in
            String(unsafeUninitializedCapacity: 20) { out in
                // YYYY-MM-DDTHH:MM:SSZ from YYYYMMDDTHHMMSSZ: the source index of each output byte, or a separator.
                var written = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 {
                        out[written] = UInt8(ascii: "-")
                        written += 1
                    } else if index == 11 || index == 13 {
                        out[written] = UInt8(ascii: ":")
                        written += 1
                    }
                    out[written] = basic[index]
                    written += 1
                }
                return written
            }
        }
    }

    /// This time plus `seconds`.
    public func adding(seconds: Int64) -> SigningTime {
        SigningTime(epochSeconds: epochSeconds + seconds)
    }

    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

private func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    value >= 0 ? value / divisor : (value - divisor + 1) / divisor
}

/// Year, month, day of `days` since 1970-01-01 (Howard Hinnant's algorithm).
private func civil(fromDays days: Int) -> (Int, Int, Int) {
    let shifted = days + 719_468
    let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
