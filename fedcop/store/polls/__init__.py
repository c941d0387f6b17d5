"""Polls' SQL: a thread's poll and its options (polls), the votes (votes), and the polls whose
counts must go out or whose end must be handled (upkeep)."""
