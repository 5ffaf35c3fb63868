"""HTTP for every external system, written once: auth, retries, paging, error types."""
