"""The poll fields of the "Start a thread" form (templates/polls/form.html): options one per
line, how long it lasts (the form offers 1 hour to 4 weeks), one or several choices, totals
hidden until the end."""

from __future__ import annotations

from starlette.datastructures import FormData

from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput
from fedcop.services.polls.drafts import DEFAULT_DURATION, PollDraft


def poll_draft(form: FormData) -> PollDraft | None:
    """The poll the form asks for; None when no option is written."""
    options = [line.strip() for line in str(form.get("poll_options", "")).splitlines()]
    options = [option for option in options if option]
    if not options:
        return None
    try:
        duration = int(str(form.get("poll_duration") or DEFAULT_DURATION))
    except ValueError:
        raise InvalidInput(_("choose how long the poll lasts")) from None
    return PollDraft(
        options=options,
        expires_in=duration,
        multiple=form.get("poll_multiple") == "on",
        hide_totals=form.get("poll_hide_totals") == "on",
    )
