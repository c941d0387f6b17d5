"""People: what they state about themselves (profiles), and who is in a community (members)."""
