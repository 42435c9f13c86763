import ArgumentParser
import CybexCore
import Foundation

/// Runs a command's async `run()` (an opened existential picks the async overload).
func runAsync<Command: AsyncParsableCommand>(_ command: Command) async throws {
    var command = command
    try await command.run()
}

// Exit codes are part of the command-line contract: 0 success, 1 failure, 2 usage error.

// No argument passes with a control character other than tab and line breaks (C0, DEL, C1): names
// and identifiers typed here must never reach the store or the audit log with one (SECURITY.md).
for (index, argument) in CommandLine.arguments.enumerated().dropFirst() {
    if let scalar = ControlCharacters.first(in: argument, allowing: ControlCharacters.layout) {
        Terminal.error(
            "argument \(index) contains the control character U+\(String(scalar.value, radix: 16, uppercase: true)); "
                + "control characters are not allowed")
        FileHandle.standardError.write(Data("Run 'cybex help' for usage.\n".utf8))
        exit(2)
    }
}

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
