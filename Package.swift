// swift-tools-version: 6.2
import PackageDescription

/// For the fuzz targets: `@_extern(c)` declares libFuzzer's driver, which their entry point starts when they are
/// built with `-sanitize=fuzzer -DFUZZING` (Tests/Scripts/fuzz.sh).
let fuzzSettings: [SwiftSetting] = [.enableExperimentalFeature("Extern")]

let package = Package(
    name: "UploadEdge",
    platforms: [.macOS(.v15)],
    products: [
        // What Lambda runs: the runtime loop plus the registered handlers. Nothing else links into it.
        .executable(name: "bootstrap", targets: ["bootstrap"]),
        // The developer CLI: emulator, replay, benchmarks.
        .executable(name: "upload-edge", targets: ["upload-edge"]),
        .library(name: "LambdaRuntime", targets: ["LambdaRuntime"]),
        .library(name: "LambdaCodable", targets: ["LambdaCodable"]),
        .library(name: "LambdaEvents", targets: ["LambdaEvents"]),
        .library(name: "SigV4", targets: ["SigV4"]),
        .library(name: "S3Presigning", targets: ["S3Presigning"]),
        .library(name: "CurlHTTP", targets: ["CurlHTTP"]),
        .library(name: "S3", targets: ["S3"]),
        .library(name: "CognitoAuth", targets: ["CognitoAuth"]),
        .library(name: "UploadHandlers", targets: ["UploadHandlers"]),
        .library(name: "LocalLambda", targets: ["LocalLambda"]),
        // libFuzzer targets (Tests/Scripts/fuzz.sh builds them with -sanitize=fuzzer); built normally, each replays
        // corpus files given as arguments. Never linked into bootstrap.
        .executable(name: "fuzz-event-decoding", targets: ["FuzzEventDecoding"]),
        .executable(name: "fuzz-jwt", targets: ["FuzzJWT"]),
        .executable(name: "fuzz-s3-xml", targets: ["FuzzS3XML"]),
        .executable(name: "fuzz-filename", targets: ["FuzzFilename"]),
        .executable(name: "fuzz-runtime-headers", targets: ["FuzzRuntimeHeaders"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // libcurl, the Runtime API transport. The shim gives typed wrappers for the variadic C calls.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .yum(["libcurl-devel"])]
        ),
        // zlib: CRC-32 for PNG chunks and inflate for PDF streams, in object-created's checks (`make lambda` links
        // it in from libz.a; other builds take the system's libz.so).
        // No pkgConfig: zlib.pc adds -L/usr/lib/x86_64-linux-gnu, and the linker then takes the system's libcurl.so
        // over the lean libcurl.a that `make lambda` builds. libz is in the default search path anyway.
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"]), .yum(["zlib-devel"])]
        ),
        // The runtime loop, the Runtime API client and the handler protocols. Runs inside Lambda.
        .target(
            name: "LambdaRuntime",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Typed handlers: JSON in, JSON out, through FoundationEssentials' coders.
        .target(
            name: "LambdaCodable",
            dependencies: ["LambdaRuntime"]
        ),
        // Typed events: API Gateway, Function URLs, authorizers, S3 (direct, EventBridge, SQS, SNS), Cognito.
        .target(
            name: "LambdaEvents",
            dependencies: ["LambdaRuntime", "LambdaCodable"]
        ),
        // AWS Signature Version 4: header signing, query presigning, POST policy signatures.
        .target(
            name: "SigV4",
            dependencies: [
                "LambdaRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // S3 presigning on SigV4: PUT and GET URLs, POST policies, multipart uploads, endpoints.
        .target(
            name: "S3Presigning",
            dependencies: [
                "SigV4",
                "LambdaRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // A small HTTPS client over libcurl, for the JWKS and for S3.
        .target(
            name: "CurlHTTP",
            dependencies: ["CCurl", "LambdaRuntime"]
        ),
        // Cognito JWT verification the way aws-jwt-verify does it, with a cached JWKS: RS256 through swift-crypto's RSA,
        // the same call jwt-kit makes. jwt-kit stays the benchmark's peer; in bootstrap it cost 2.5 MB (its X.509 and
        // PEM code, which no JWKS of a user pool needs) and an async key parse.
        .target(
            name: "CognitoAuth",
            dependencies: [
                "CurlHTTP",
                "LambdaCodable",
                "LambdaEvents",
                "LambdaRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // An S3 client over libcurl and SigV4 header signing: the object operations the handlers need.
        .target(
            name: "S3",
            dependencies: [
                "CurlHTTP",
                "LambdaRuntime",
                "S3Presigning",
                "SigV4",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The upload API's handlers: presign, authorize, pretoken, and object-created after the upload.
        .target(
            name: "UploadHandlers",
            dependencies: [
                "CognitoAuth",
                "S3",
                "LambdaCodable",
                "LambdaEvents",
                "LambdaRuntime",
                "S3Presigning",
                "SigV4",
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "bootstrap",
            dependencies: ["LambdaRuntime", "LambdaEvents", "UploadHandlers"]
        ),
        // posix_spawn's close-all-descriptors action, which Swift cannot see without _GNU_SOURCE.
        .target(name: "CProcessSpawn"),
        // Local Runtime API emulator, process supervisor and event replay. Never linked into bootstrap.
        .target(
            name: "LocalLambda",
            dependencies: [
                "CProcessSpawn",
                "LambdaRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // upload-edge serve's pieces: an HTTP API emulator (SwiftNIO) with a JWT authorizer in front of the functions,
        // an SQS event source mapping, and ClamAV standing in for GuardDuty. Never linked into bootstrap.
        .target(
            name: "LocalServe",
            dependencies: [
                "LocalLambda",
                "CognitoAuth",
                "CurlHTTP",
                "S3",
                "S3Presigning",
                "SigV4",
                "LambdaRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Benchmarks: runtimes against the emulator, event decoding against JSONDecoder, presigning against botocore,
        // token verification against jwt-kit, the S3 client against bare libcurl.
        .target(
            name: "Benchmarks",
            dependencies: [
                "CZlib",
                "LocalLambda",
                "LambdaEvents",
                "LambdaCodable",
                "S3Presigning",
                "SigV4",
                "CognitoAuth",
                "CurlHTTP",
                "S3",
                "UploadHandlers",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // upload-edge upload: the upload API's client, one PUT or a resumable multipart upload in parallel parts.
        // Never linked into bootstrap.
        .target(
            name: "UploadClient",
            dependencies: [
                "CurlHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The emulator's ceiling: a minimal raw-socket Runtime API client in C.
        .executableTarget(name: "raw-runtime-client"),
        // The runtime with I/O-bound handlers, for the concurrency benchmark. Not deployed.
        .executableTarget(name: "bench-bootstrap", dependencies: ["LambdaRuntime"]),
        .executableTarget(
            name: "upload-edge",
            dependencies: [
                "LocalLambda",
                "LocalServe",
                "CognitoAuth",
                "Benchmarks",
                "S3Presigning",
                "SigV4",
                "UploadClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A bootstrap with extra handlers that misbehave on purpose (throw, crash, hang, oversize).
        .executableTarget(
            name: "fixture-bootstrap",
            dependencies: ["LambdaRuntime", "LambdaCodable"],
            path: "Tests/FixtureBootstrap"
        ),
        // Fuzz targets: arbitrary bytes into what parses input from outside, with invariants that trap when broken.
        // Their seed corpora are in Tests/Fuzz/Corpus/<product>; FuzzSupport starts libFuzzer or replays a corpus.
        .target(name: "FuzzSupport", path: "Tests/Fuzz/FuzzSupport", swiftSettings: fuzzSettings),
        .executableTarget(
            name: "FuzzEventDecoding",
            dependencies: ["FuzzSupport", "LambdaEvents", "LambdaCodable", "LambdaRuntime"],
            path: "Tests/Fuzz/FuzzEventDecoding",
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzJWT",
            dependencies: ["FuzzSupport", "CognitoAuth", "LambdaEvents", "LambdaRuntime"],
            path: "Tests/Fuzz/FuzzJWT",
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzS3XML",
            dependencies: ["FuzzSupport", "S3"],
            path: "Tests/Fuzz/FuzzS3XML",
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzFilename",
            dependencies: ["FuzzSupport", "UploadHandlers"],
            path: "Tests/Fuzz/FuzzFilename",
            swiftSettings: fuzzSettings
        ),
        .executableTarget(
            name: "FuzzRuntimeHeaders",
            dependencies: ["FuzzSupport", "LambdaRuntime"],
            path: "Tests/Fuzz/FuzzRuntimeHeaders",
            swiftSettings: fuzzSettings
        ),
        // Test helpers shared by the test targets: a scripted Runtime API, an HTTP client, product paths.
        .target(
            name: "TestSupport",
            dependencies: [
                "CognitoAuth",
                "LambdaRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "LambdaRuntimeTests",
            dependencies: ["LambdaRuntime", "LambdaCodable", "TestSupport", "bootstrap", "fixture-bootstrap"]
        ),
        .testTarget(
            name: "LambdaCodableTests",
            dependencies: ["LambdaCodable", "LambdaRuntime", "TestSupport"]
        ),
        .testTarget(
            name: "LambdaEventsTests",
            dependencies: ["LambdaEvents", "LambdaCodable", "LambdaRuntime", "TestSupport"]
        ),
        .testTarget(
            name: "SigV4Tests",
            dependencies: [
                "SigV4", "S3Presigning", "LambdaRuntime", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "S3Tests",
            dependencies: ["S3", "S3Presigning", "SigV4", "CurlHTTP", "LambdaRuntime", "LocalLambda", "TestSupport"]
        ),
        .testTarget(
            name: "CognitoAuthTests",
            dependencies: [
                "CognitoAuth", "CurlHTTP", "LambdaRuntime", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "UploadHandlersTests",
            dependencies: [
                "UploadHandlers", "CognitoAuth", "LambdaEvents", "LambdaCodable", "LambdaRuntime", "S3Presigning",
                "SigV4", "S3", "CurlHTTP", "TestSupport", "bootstrap",
            ]
        ),
        .testTarget(
            name: "LocalServeTests",
            dependencies: [
                "LocalServe", "LocalLambda", "CognitoAuth", "LambdaEvents", "LambdaRuntime", "S3", "S3Presigning",
                "SigV4", "TestSupport", "bootstrap",
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "UploadClientTests",
            dependencies: [
                "UploadClient", "CurlHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LocalLambdaTests",
            dependencies: ["LocalLambda", "TestSupport", "bootstrap", "fixture-bootstrap", "upload-edge"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
