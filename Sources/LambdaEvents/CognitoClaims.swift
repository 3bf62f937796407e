import LambdaRuntime

/// A typed view of Cognito JWT claims, the same whichever way they arrived.
///
/// API Gateway hands claims over as strings, and not the same strings: an HTTP API JWT authorizer writes
/// `cognito:groups` as `"[admins uploaders]"` and `exp` as `"1764084435"`; a REST Cognito authorizer writes a
/// group list as `"admins,uploaders"` and `exp` as `"Tue Nov 25 15:27:15 UTC 2026"`. A verified token's own
/// payload has real arrays and numbers. This view reads all three.
public struct CognitoClaims: Sendable {
    /// The claims as delivered.
    public let raw: [String: JSONValue]

    /// A view of claims in any of the three forms.
    public init(_ raw: [String: JSONValue]) {
        self.raw = raw
    }

    /// The claims of an HTTP API JWT authorizer; `nil` when the request was not authorised by one.
    public init?(_ request: APIGatewayV2Request) {
        guard let claims = request.requestContext.authorizer?.jwt?.claims else { return nil }
        self.init(claims)
    }

    /// The claims of a REST API Cognito user pool authorizer; `nil` when the request was not authorised by one.
    public init?(_ request: APIGatewayRequest) {
        guard let claims = request.requestContext?.claims else { return nil }
        self.init(claims)
    }

    /// Which token the claims came from.
    public enum TokenUse: String, Sendable {
        /// An ID token: who the user is (`token_use` `id`).
        case id
        /// An access token: what the client may do (`token_use` `access`).
        case access
    }

    /// The claim `name` as delivered; `nil` when absent.
    public subscript(name: String) -> JSONValue? { raw[name] }

    /// A claim as text: strings as they are, numbers and booleans written out.
    public func string(_ name: String) -> String? {
        switch raw[name] {
        case .string(let value)?: value
        case .integer(let value)?: String(value)
        case .number(let value)?: String(value)
        case .bool(let value)?: String(value)
        default: nil
        }
    }

    /// `sub`: the user's id, stable for the user's life.
    public var subject: String? { string("sub") }
    /// `cognito:username` (ID tokens) or `username` (access tokens).
    public var username: String? { string("cognito:username") ?? string("username") }
    /// `token_use`: which token the claims came from; `nil` when absent or neither `id` nor `access`.
    public var tokenUse: TokenUse? { string("token_use").flatMap(TokenUse.init(rawValue:)) }
    /// The app client: `client_id` in access tokens, `aud` in ID tokens.
    public var clientID: String? { string("client_id") ?? audience.first }
    /// `aud`, one value or several.
    public var audience: [String] { list("aud", separator: " ") }
    /// `iss`: the user pool's URL, `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`.
    public var issuer: String? { string("iss") }
    /// `email`: the user's email address (ID tokens only).
    public var email: String? { string("email") }
    /// `scope`, split on spaces.
    public var scopes: [String] { list("scope", separator: " ") }
    /// `cognito:groups`: `"[a b]"` (HTTP API), `"a,b"` or `"a"` (REST), or a JSON array (a verified token).
    public var groups: [String] { list("cognito:groups", separator: ",") }
    /// `exp`, in seconds since the Unix epoch.
    public var expiresAt: Int64? { time("exp") }
    /// `iat`, in seconds since the Unix epoch.
    public var issuedAt: Int64? { time("iat") }
    /// `auth_time`, in seconds since the Unix epoch.
    public var authTime: Int64? { time("auth_time") }
    /// `nbf`, in seconds since the Unix epoch.
    public var notBefore: Int64? { time("nbf") }

    /// A claim that is a list, whichever way it was flattened.
    public func list(_ name: String, separator: Character) -> [String] {
        switch raw[name] {
        case .array(let values)?:
            return values.compactMap { value in
                if case .string(let text) = value { return text }
                return nil
            }
        case .string(let text)?:
            var inner = Substring(text)
            if inner.first == "[", inner.last == "]" {
                // API Gateway's rendering of a JSON array: "[a b]".
                inner = inner.dropFirst().dropLast()
                return inner.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            }
            return inner.split(separator: separator).map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        default:
            return []
        }
    }

    /// A time claim: a number, an epoch-seconds string, or API Gateway REST's `EEE MMM dd HH:mm:ss zzz yyyy`.
    public func time(_ name: String) -> Int64? {
        switch raw[name] {
        case .integer(let value)?: return value
        case .number(let value)?: return Int64(exactly: value.rounded(.down))
        case .string(let text)?: return Int64(text) ?? RESTClaimDate.epochSeconds(text)
        default: return nil
        }
    }
}

extension CognitoClaims: Equatable {
    /// Two views are equal when every typed property is: how the claims were delivered does not matter.
    public static func == (lhs: CognitoClaims, rhs: CognitoClaims) -> Bool {
        lhs.subject == rhs.subject && lhs.username == rhs.username && lhs.tokenUse == rhs.tokenUse
            && lhs.clientID == rhs.clientID && lhs.issuer == rhs.issuer && lhs.email == rhs.email
            && lhs.scopes == rhs.scopes && lhs.groups == rhs.groups && lhs.expiresAt == rhs.expiresAt
            && lhs.issuedAt == rhs.issuedAt && lhs.authTime == rhs.authTime && lhs.notBefore == rhs.notBefore
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

/// The date format of claims from REST API Cognito authorizers: `Tue Jun 18 15:00:04 UTC 2024`.
enum RESTClaimDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since the Unix epoch, or `nil` when `text` is not in that format (or not in UTC/GMT).
    static func epochSeconds(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[4] == "UTC" || parts[4] == "GMT",
            let month = months.firstIndex(of: String(parts[1])).map({ $0 + 1 }),
            let day = Int(parts[2]), (1...31).contains(day),
            let year = Int(parts[5])
        else { return nil }
        let clock = parts[3].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
