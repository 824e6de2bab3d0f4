"""Capabilities the agent calls. Importing this package loads no weights."""
