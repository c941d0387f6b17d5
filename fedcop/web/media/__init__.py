"""Shared files on web pages: a post's files (attachment_views), the media proxy's
address (proxy), and a community's library (library)."""
