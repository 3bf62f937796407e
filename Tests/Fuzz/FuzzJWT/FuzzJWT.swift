import CognitoAuth
import FuzzSupport
import LambdaEvents
import LambdaRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Cognito tokens from arbitrary bytes: `CognitoJWTVerifier.verify(_:now:)` on the input as a token, against the
/// sample user pool of `Events/` with its JWKS in memory, at a fixed time.
enum JWTFuzzer {
    /// The sample pool's JWKS, `Events/_replay/static/jwks.json` (`Tests/Scripts/sample_tokens.py` writes it and
    /// signs the tokens in `Events/`, which the seed corpus holds, with its key).
    static let jwks = Array(
        #"{"keys":[{"alg":"RS256","e":"AQAB","kid":"\#(keyID)","kty":"RSA","n":"\#(modulus)","use":"sig"}]}"#
            .utf8
    )
    static let modulus =
        "mJo6mneSSB30Q8cVZxVJs8SyKoWsDCIrSUxISxCu6cBegeeA3_BXM57fC1YT32uURtTZa3Amyl71WOaaXqwyZA5M_2hW6oz9fslt"
        + "sbFNops9n4Fpwmn8grP-LbvntLj0-0wQzjpZH58CMTENg_pqmfWP6gqUUgB757P8a5HqAnjOvuPwMS--XiORoZgyCd5-v2MnGvtn"
        + "MnU1zKOo9u-WwXXXHP19FCoIP0QS3wCylKr270-YZjd9yPp6N3OCJdT9mjI-YSxXMiRvipwyqDt3mvtvZ4AoTSnwPXdySSTq7IUL"
        + "4lDJICAI8l819KyHpH_7QyrcrnVxT1kIO49c4-SX-w"
    static let keyID = "upload-edge-sample-2026"
    static let issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Upl0adEdg"
    static let clientID = "4r5t6y7u8i9o0p1a2s3d4f5g6h"
    /// A minute after the sample tokens were issued; they expire in 2100.
    static let now: Int64 = 1_795_616_463

    /// The JWKS, from memory.
    struct MemoryFetcher: JWKSFetching {
        func fetch(_ url: String) throws -> [UInt8] { JWTFuzzer.jwks }
    }

    /// Built once: the first verification loads the JWKS, later ones find the key cached.
    static let verifiers = [
        CognitoJWTVerifier(
            configuration: CognitoVerifierConfiguration(issuer: issuer, clientIDs: [clientID]),
            fetcher: MemoryFetcher()
        ),
        CognitoJWTVerifier(
            configuration: CognitoVerifierConfiguration(
                issuer: issuer,
                clientIDs: [clientID],
                tokenUse: .access,
                clockSkewSeconds: 300,
                requiredGroup: "uploaders",
                requiredScopes: ["upload/write"]
            ),
            fetcher: MemoryFetcher()
        ),
    ]

    /// Verifies the input as a token with each verifier. Traps when an accepted token is not the pool's, or when
    /// the error for a refused one echoes the token back (messages reach logs and API answers).
    static func check(_ input: [UInt8]) {
        let token = String(decoding: input, as: UTF8.self)
        for verifier in verifiers {
            do {
                let verified = try verifier.verify(token, now: now)
                guard verified.keyID == keyID, verified.claims.issuer == issuer else {
                    fatalError("accepted a token of key \(verified.keyID), issuer \(verified.claims.issuer ?? "none")")
                }
                guard let expiry = verified.claims.expiresAt,
                    now < expiry.addingReportingOverflow(verifier.configuration.clockSkewSeconds).partialValue
                else {
                    fatalError("accepted a token that expired at \(String(describing: verified.claims.expiresAt))")
                }
            } catch {
                // Every part the message may quote (kid, alg, iss) is at most 64 characters; a longer token can only
                // appear in it if the message echoes the token itself.
                if token.utf8.count > 80, error.message.contains(token) {
                    fatalError("the error echoes the token: \(error.message)")
                }
            }
        }
    }
}

#if FUZZING
/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    JWTFuzzer.check(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// The program's entry point, which SwiftPM names `<module>_main`: it starts libFuzzer's driver.
@_cdecl("FuzzJWT_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    LibFuzzer.run(argc, argv) { data, size in data.map { fuzz($0, size) } ?? 0 }
}
#else
/// Without libFuzzer: replays the files given, or every file under the directories given, through the same check.
@main
struct ReplayJWT {
    static func main() { CorpusReplay.main(JWTFuzzer.check) }
}
#endif
