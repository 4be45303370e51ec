import CommandLineTool
#if canImport(Glibc)
import Glibc
#endif

exit(EPropCommand.run(Array(CommandLine.arguments.dropFirst())))
