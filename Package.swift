// swift-tools-version:6.0
import PackageDescription

/// Release builds must emit real FMA instructions (without a target CPU, `addingProduct`
/// becomes a libm call ~150x slower) yet run on any x86-64-v3 machine, so: haswell, never native.
let hotLoopFlags: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "EProp",
    products: [
        .library(name: "EPropKit", targets: ["Training", "CommandLineTool"]),
        .executable(name: "eprop", targets: ["eprop"]),
    ],
    targets: [
        // Real scalar protocol, deterministic random numbers.
        .target(name: "RealNumerics", swiftSettings: hotLoopFlags),
        // Forward-mode dual numbers.
        .target(name: "AutoDiff", dependencies: ["RealNumerics"], swiftSettings: hotLoopFlags),
        // Neuron models written once as their forward step; surrogates; local Jacobians by AD.
        .target(name: "NeuronModels", dependencies: ["AutoDiff", "RealNumerics"], swiftSettings: hotLoopFlags),
        // In-memory spike rasters, batches, the synthetic task.
        .target(name: "SpikeData", dependencies: ["RealNumerics"], swiftSettings: hotLoopFlags),
        // Open MPI's C API; accessors for the handles Swift cannot import (cast macros).
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        // Communicator abstraction: Open MPI under mpirun, a local one otherwise.
        .target(name: "Distribution", dependencies: ["CMPI"], swiftSettings: hotLoopFlags),
        // The HDF5 C library; accessors for the predefined types and flags Swift cannot import.
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        // SHD/SSC-layout HDF5 spike files: checked reading, atomic writing.
        .target(name: "SpikeFiles", dependencies: ["CHDF5", "SpikeData"]),
        // WAV files -> spikes through a cochlea-like front end; WAV set layouts; espeak-ng digits.
        // -fno-math-errno lets `squareRoot()` on SIMD vectors become vsqrtps (with errno semantics
        // it is a per-lane branch and libm call: the encoder ran 1.6x slower).
        .target(name: "AudioFrontEnd", dependencies: ["SpikeData", "RealNumerics"],
                swiftSettings: hotLoopFlags + [.unsafeFlags(["-Xcc", "-fno-math-errno"])]),
        // Network shape, parameters, shared forward dynamics and online e-prop.
        .target(name: "LearningRules", dependencies: ["NeuronModels", "SpikeData", "RealNumerics"], swiftSettings: hotLoopFlags),
        // Exact gradients by backpropagation through time over a stored trajectory.
        .target(name: "BPTTReference", dependencies: ["LearningRules", "NeuronModels"], swiftSettings: hotLoopFlags),
        // SVG plots, CSV/JSON tables for reports.
        .target(name: "Reports"),
        // Configs, optimizers, the training loop, gradient checks, benchmarks.
        .target(name: "Training", dependencies: ["LearningRules", "BPTTReference", "NeuronModels", "SpikeData", "SpikeFiles", "Distribution", "Reports"], swiftSettings: hotLoopFlags),
        // The `eprop` subcommands: argument parsing, output formatting, exit codes.
        .target(name: "CommandLineTool", dependencies: ["Training", "Distribution", "AudioFrontEnd", "SpikeFiles", "SpikeData"], swiftSettings: hotLoopFlags),
        // Thin executable over the library.
        .executableTarget(name: "eprop", dependencies: ["CommandLineTool"], swiftSettings: hotLoopFlags),

        .target(name: "TestSupport", dependencies: ["LearningRules", "NeuronModels", "SpikeData"], path: "Tests/TestSupport"),
        .testTarget(name: "NeuronModelTests", dependencies: ["NeuronModels", "AutoDiff", "RealNumerics", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "CommandLineTool", "Distribution", "LearningRules", "NeuronModels", "RealNumerics", "SpikeData", "SpikeFiles", "AudioFrontEnd", "TestSupport"]),
        .testTarget(name: "LearningRuleTests", dependencies: ["LearningRules", "BPTTReference", "NeuronModels", "SpikeData", "TestSupport"]),
        .testTarget(name: "DistributionTests", dependencies: ["Distribution", "TestSupport"]),
        .testTarget(name: "SpikeDataTests", dependencies: ["SpikeData", "RealNumerics"]),
        .testTarget(name: "SpikeFilesTests", dependencies: ["SpikeFiles", "SpikeData", "CHDF5", "RealNumerics"]),
        .testTarget(name: "AudioFrontEndTests", dependencies: ["AudioFrontEnd", "SpikeData", "RealNumerics"]),
    ]
)

/// Every Swift target, tests included, rebuilds whenever a module it imports was rebuilt
/// (`-disable-incremental-imports`). Cross-module incremental builds otherwise skip clients
/// when only an `@inlinable` body changed, so an edited neuron model would keep running its
/// old step inside the engine (and inside the tests that check it).
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-disable-incremental-imports"])]
}
