"""The ActivityPub protocol as a library: signatures, keys, vocabulary, fetch and delivery.

Nothing in this package imports `fedcop` or touches a database: it works on bytes, dicts and keys.
"""
