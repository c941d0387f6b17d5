"""A member's own data: what their export reads, what deleting their account changes, and the
follows they import (migration 0053)."""
