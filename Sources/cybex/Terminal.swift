import Foundation

/// A failure to report in one line with its exit code.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}

/// Output helpers: results on standard output, errors and progress on standard error.
enum Terminal {
    static func error(_ message: String) {
        let line = message.split(separator: "\n").joined(separator: " ")
        FileHandle.standardError.write(Data("cybex: error: \(line)\n".utf8))
    }

    /// A one-line note for people on standard error (a summary after results on standard output).
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
    static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Progress on a terminal only, rewriting one line.
    static func progress(_ message: String) {
        guard standardErrorIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(message)".utf8))
    }

    static func endProgress() {
        guard standardErrorIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    /// Reads a password: without echo on a terminal, else one line of standard input.
    static func readPassword(prompt: String) throws -> String {
        if standardInputIsTerminal {
            var old = termios()
            tcgetattr(STDIN_FILENO, &old)
            var silent = old
            silent.c_lflag &= ~tcflag_t(ECHO)
            FileHandle.standardError.write(Data(prompt.utf8))
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
            defer {
                tcsetattr(STDIN_FILENO, TCSANOW, &old)
                FileHandle.standardError.write(Data("\n".utf8))
            }
            guard let line = readLine(strippingNewline: true) else { throw CommandFailure(message: "no password given") }
            return line
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CommandFailure(message: "no password on standard input (give it as one line)")
        }
        return line
    }
}
