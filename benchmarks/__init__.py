"""Benchmarks: specdrift side by side with checkov on the same, generated (seeded) inputs."""
