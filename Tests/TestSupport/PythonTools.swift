import Foundation

/// The Python that `make test` prepares (`UPLOAD_EDGE_PYTHON`, a venv with awslambdaric and botocore), and what
/// it can import.
public enum PythonTools {
    public static let python = ProcessInfo.processInfo.environment["UPLOAD_EDGE_PYTHON"]

    /// Whether the Python can import every module in `modules`.
    public static func has(_ modules: String...) -> Bool {
        guard let python else { return false }
        let imports = modules.map { "import \($0)" }.joined(separator: "; ")
        return (try? CommandResult.run([python, "-c", imports]).status) == 0
    }

    /// Why a test that needs `modules` is skipped.
    public static func missing(_ modules: String...) -> String {
        "needs \(modules.joined(separator: ", ")) in Python: run `make test`, or set UPLOAD_EDGE_PYTHON to a Python that has them"
    }

    /// `Tests/Scripts/<name>`.
    public static func script(_ name: String) -> String {
        BuiltProducts.projectRoot + "/Tests/Scripts/" + name
    }
}
