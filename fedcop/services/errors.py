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
