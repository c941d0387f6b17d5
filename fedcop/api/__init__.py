"""The Mastodon client API: what Mastodon apps (and Mastodon.py) use to sign in and take part.

Every endpoint parses its parameters (`params`), checks the caller's token and scope (`auth`),
calls the same domain services as the web pages and the inbox, and answers with Mastodon's
entities (`entities`). Errors are `{"error": "..."}` with Mastodon's status codes.
"""
