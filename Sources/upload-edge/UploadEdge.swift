import ArgumentParser

@main
struct UploadEdge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload-edge",
        abstract: "Develop, replay and benchmark the UploadEdge Lambda functions locally.",
        subcommands: [
            EmulateCommand.self, ReplayCommand.self, ServeCommand.self, PresignCommand.self, UploadCommand.self,
            BenchCommand.self,
        ]
    )
}
