"""A member's own data: the export archive and the follows CSV (export), the follows they import
from Mastodon (follow_imports), deleting an account (deletion), and an account deleted
elsewhere (departures)."""
