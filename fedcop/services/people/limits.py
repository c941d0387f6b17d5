"""How much of a profile is kept, the same for people here and people elsewhere."""

from __future__ import annotations

# Areas of expertise: at most this many subjects, each under this many characters.
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
LIMITS = {"display_name": 100, "organisation": 200, "sector": 100, "job_role": 100}
