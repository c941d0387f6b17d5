"""Errors a person can meet. Each message is a sentence that says what to do next."""

from __future__ import annotations


class ServiceError(Exception):
    """A request fedcop refuses; nothing was changed."""


class InvalidInput(ServiceError):
    pass


class NameTaken(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class Refused(Exception):
    """An activity from another server that fedcop will not apply (not its author, not a
    facilitator, a locked thread...). The inbox worker records it as 'rejected' with this
    message; nothing was changed."""
