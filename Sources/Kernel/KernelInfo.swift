/// What kernel_info_reply says about the kernel and its language.
public struct KernelInfo: Sendable {
    public let implementationVersion: String
    public let languageVersion: String

    public init(implementationVersion: String, languageVersion: String) {
        (self.implementationVersion, self.languageVersion) = (implementationVersion, languageVersion)
    }

    var content: [String: Any] {
        [
            "status": "ok",
            "protocol_version": "5.5",
            "implementation": "likewise",
            "implementation_version": implementationVersion,
            "language_info": [
                "name": "likewise",
                "version": languageVersion,
                "mimetype": "text/x-likewise",
                "file_extension": ".lw",
                // The language is Swift-flavoured: notebooks highlight it with the Swift modes.
                "codemirror_mode": "swift",
                "pygments_lexer": "swift",
            ] as [String: Any],
            "banner": "Likewise — build an image effect from a few pairs. help lists the commands.",
            "help_links": [[String: String]](),
            "supported_features": ["kernel subshells"],
        ]
    }
}
