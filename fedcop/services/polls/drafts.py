"""A poll as its writer asks for it, checked (the limits are the client API's, instance.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput

MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_OPTION_CHARACTERS = 100
MIN_DURATION = 300  # seconds: five minutes
MAX_DURATION = 2_629_746  # seconds: a month, Mastodon's limit
DEFAULT_DURATION = 86_400


@dataclass(frozen=True)
class PollDraft:
    options: list[str]
    expires_in: int = DEFAULT_DURATION  # seconds from now
    multiple: bool = False
    hide_totals: bool = False

    def ends_at(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.expires_in)


def checked(draft: PollDraft) -> PollDraft:
    """The draft with its options trimmed, or InvalidInput saying what to change."""
    options = [" ".join(option.split()) for option in draft.options]
    options = [option for option in options if option]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise InvalidInput(
            _(
                "a poll has %(min_options)s to %(max_options)s options",
                min_options=MIN_OPTIONS,
                max_options=MAX_OPTIONS,
            )
        )
    if any(len(option) > MAX_OPTION_CHARACTERS for option in options):
        raise InvalidInput(
            _(
                "a poll option has at most %(max_option_characters)s characters",
                max_option_characters=MAX_OPTION_CHARACTERS,
            )
        )
    if len(set(options)) != len(options):
        raise InvalidInput(_("a poll's options must differ from each other"))
    if not MIN_DURATION <= draft.expires_in <= MAX_DURATION:
        raise InvalidInput(
            _(
                "a poll lasts from %(minutes)s minutes to %(days)s days",
                minutes=MIN_DURATION // 60,
                days=MAX_DURATION // 86_400,
            )
        )
    return PollDraft(options, draft.expires_in, draft.multiple, draft.hide_totals)
