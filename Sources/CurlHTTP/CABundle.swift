import LambdaRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where the trusted certificate authorities are: `SSL_CERT_FILE` when set, else the distribution's bundle. On
/// Amazon Linux (`provided.al2`, `provided.al2023`) that is `/etc/pki/tls/certs/ca-bundle.crt`; a libcurl built
/// elsewhere would look in its build host's path and fail every TLS handshake without this.
public enum CABundle {
    public static let candidates = [
        "/etc/pki/tls/certs/ca-bundle.crt",  // Amazon Linux, Fedora, RHEL
        "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu, Alpine
        "/etc/ssl/cert.pem",  // macOS, OpenBSD
    ]

    /// The bundle to use, or `nil` when none is found (libcurl's built-in default then applies).
    public static func path(environment: [String: String]? = nil) -> String? {
        let configured = environment.map { $0["SSL_CERT_FILE"] } ?? ProcessEnvironment.value("SSL_CERT_FILE")
        if let configured, !configured.isEmpty { return configured }
        return candidates.first { access($0, R_OK) == 0 }
    }
}
