import LambdaRuntime

RuntimeLoop.main(registry: .builtIn)
