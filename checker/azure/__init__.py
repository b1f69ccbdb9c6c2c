"""Azure domain facts: type tokens, locations and region pairs, VM sizes."""
