"""Memory engines: the interface and its mem0 implementation."""
