// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Likewise",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "likewise", targets: ["likewise"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Script", targets: ["Script"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        // System libraries enter through small shims so that each C header is seen in one place.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZMQ", path: "Sources/CZMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        // libpng and libjpeg report errors by longjmp: setjmp and every fallible call stay in C.
        .target(name: "PNGCodec", dependencies: ["CPNG"]),
        .target(name: "JPEGCodec", dependencies: ["CJPEG"]),
        // Direct convolutions for narrow layers, in AVX-512 chosen per function at run time.
        .target(name: "DirectConvolution"),
        // SiLU's loops (alone and after group norm) in AVX-512, chosen at run time likewise.
        .target(name: "VectorKernels"),
        .target(
            name: "Engine",
            dependencies: ["CBLAS", "PNGCodec", "JPEGCodec", "DirectConvolution", "VectorKernels"]
        ),
        // Layers, networks, training and checkpoints: the models, above the numeric core.
        // Resources: the flow network's pretrained weights (`likewise train --flow` makes them).
        // Crypto: each checkpoint tensor's SHA-256, so that a damaged one is found and named.
        .target(name: "Models", dependencies: ["Engine", .product(name: "Crypto", package: "swift-crypto")],
                resources: [.copy("Resources/flow.safetensors")]),
        .target(name: "Script", dependencies: ["Engine", "Models"]),
        .target(name: "Kernel", dependencies: ["Script", "CZMQ", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "likewise",
            dependencies: [
                "Engine",
                "Models",
                "Script",
                "Kernel",
                "PNGCodec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the test targets share: the finite-difference gradient checker, a seed to replay,
        // a watchdog that fails a hang for every fuzz test, and every suite's time limit.
        .target(name: "TestSupport", dependencies: ["Engine"], path: "Tests/TestSupport"),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "TestSupport"]),
        // Saves checkpoints in a loop, for the test that kills it in the middle of a save.
        .executableTarget(name: "checkpoint-writer", dependencies: ["Models", "Engine"], path: "Tests/CheckpointWriter"),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Engine", "TestSupport"]),
        .testTarget(name: "ScriptTests", dependencies: ["Script", "Engine", "Models", "TestSupport"]),
        .testTarget(name: "KernelTests", dependencies: ["Kernel", "TestSupport"]),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CBLAS", "CZMQ", "CPNG", "CJPEG", "TestSupport"]),
    ]
)
