import ArgumentParser
import Foundation

/// Runs a command's async `run()` (an opened existential picks the async overload).
func runAsync<Command: AsyncParsableCommand>(_ command: Command) async throws {
    var command = command
    try await command.run()
}

// Exit codes are part of the command-line contract: 0 success, 1 failure, 2 usage error.
do {
    var command = try await CybexCommand.asyncParseAsRoot()
    if let asyncCommand = command as? any AsyncParsableCommand {
        try await runAsync(asyncCommand)
    } else {
        try command.run()
    }
} catch {
    let code = CybexCommand.exitCode(for: error)
    if code == .success {
        print(CybexCommand.fullMessage(for: error))
        exit(0)
    }
    if let failure = error as? CommandFailure {
        Terminal.error(failure.message)
        exit(failure.exitCode)
    }
    if code == .validationFailure || error is ValidationError {
        Terminal.error(CybexCommand.message(for: error))
        FileHandle.standardError.write(Data("Run 'cybex help' for usage.\n".utf8))
        exit(2)
    }
    if let exitCode = error as? ExitCode {
        exit(exitCode.rawValue == 0 ? 0 : 1)
    }
    Terminal.error(String(describing: error))
    exit(1)
}
