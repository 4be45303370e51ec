import Training
#if canImport(Glibc)
import Glibc
#endif

exit(CommandLine.run(Array(CommandLine.arguments.dropFirst())))
