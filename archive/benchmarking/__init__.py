"""The performance benchmark (issue 6): a synthetic collection, timings, and a load test."""
