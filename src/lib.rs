//! Helpers shared by the workspace's integration tests, examples and benchmarks (not published).
