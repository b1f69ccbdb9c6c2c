"""Generated validators of the shipped schemas (see checker.schemas.generate)."""
