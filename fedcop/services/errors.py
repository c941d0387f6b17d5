"""Errors a person can meet. Each message is a sentence that says what to do next."""

from __future__ import annotations


class ServiceError(Exception):
    """A request fedcop refuses; nothing was changed."""


class InvalidInput(ServiceError):
    pass


class NotYours(InvalidInput):
    """A change only someone else may make (another member's post): pages answer 403."""


class NameTaken(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class Refused(Exception):
    """An activity from another server that fedcop will not apply (not its author, not a
    facilitator, a locked thread...). The inbox worker records it as 'rejected' with this
    message; nothing was changed."""


class Ignored(Exception):
    """An activity from another server that needs nothing done here (not addressed to anyone
    here, about something this node does not keep, already applied...). The inbox worker
    records it as 'ignored' with this message, so nothing accepted is dropped without a
    recorded reason."""
