"""Hashtags and mentions in posts are links to pages here, for posts written here and posts
from elsewhere alike (web.post_links, applied when a post is shown)."""

from __future__ import annotations

from fedcop.services.markdown import render
from fedcop.web.post_links import post_html

HERE = "alpha.test"


def test_hashtags_written_here_link_to_the_tag_page() -> None:
    shown = post_html(
        render("We keep #Records, not #2024 or `#code` or [#x](https://e.x/#y)."), HERE
    )
    assert '<a href="/tags/records" class="mention hashtag"' in shown
    assert "#<span>Records</span></a>" in shown  # the writer's spelling is kept
    assert "#2024" in shown and "/tags/2024" not in shown  # no letter: not a hashtag
    assert "<code>#code</code>" in shown
    assert '<a href="https://e.x/#y"' in shown and "/tags/x" not in shown


def test_hashtag_and_mention_links_from_elsewhere_lead_here() -> None:
    mastodon = (
        '<p><a href="https://masto.example/tags/OpenData" class="mention hashtag" rel="tag">'
        '#<span>OpenData</span></a> <span class="h-card"><a href="https://masto.example/@mona" '
        'class="u-url mention">@<span>mona</span></a></span> <span class="h-card">'
        '<a href="https://alpha.test/u/bea" class="u-url mention">@<span>bea</span></a></span></p>'
    )
    shown = post_html(mastodon, HERE)
    assert '<a href="/tags/opendata" class="mention hashtag"' in shown
    assert '<a href="/search?q=https%3A%2F%2Fmasto.example%2F%40mona"' in shown
    assert '<a href="/u/bea"' in shown
    assert "masto.example/tags" not in shown


def test_hostile_links_stay_harmless() -> None:
    shown = post_html(
        '<p><a href="javascript:alert(1)" class="mention">@x</a> '
        '<a href="https://e.x/" class="hashtag">#<b onclick="x">a b</b></a> '
        "#<script>x</script></p>",
        HERE,
    )
    assert "javascript:" not in shown and "onclick" not in shown and "<script" not in shown
