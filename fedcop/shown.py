"""What fedcop shows people of what came from elsewhere: one policy for web pages and the client
API alike, applied where they are built, whatever the database holds.

    HTML from elsewhere (a remote profile's text)  -> federation.html.sanitize, again
    HTML written here (rendered Markdown)          -> as it is
    plain text written here                        -> escaped, in paragraphs
    any URL a client or a browser makes a link of  -> federation.html.safe_url: http(s) or nothing

Remote HTML is sanitised when it is stored too (services.remote_actors, services.post_fields);
doing it again here makes rows kept before that harmless, since SQL cannot run the sanitiser.
"""

from __future__ import annotations

from fedcop.store.actors import Actor
from federation.html import escape, safe_url, sanitize

# Where a refused link points in a page: nowhere.
NOWHERE = "#"


def profile_html(actor: Actor) -> str:
    """An actor's profile text as HTML that is safe to put in a page or a client's `note`."""
    summary = actor.summary
    if not summary:
        return ""
    if not actor.is_local:
        return sanitize(summary)
    if summary.lstrip().startswith("<"):
        return summary  # rendered here from its owner's Markdown
    return "".join(f"<p>{escape(line)}</p>" for line in summary.split("\n\n") if line.strip())


def field_html(value_html: str) -> str:
    """A profile field's value from elsewhere (kept sanitised) as HTML safe to show."""
    return sanitize(value_html)


def link(url: object, fallback: str = NOWHERE) -> str:
    """`url` if a person may safely follow it (http or https), else `fallback`."""
    return safe_url(url) or fallback


__all__ = ["NOWHERE", "link", "profile_html", "safe_url"]
