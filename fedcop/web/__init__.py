"""HTML pages for people: Jinja2 templates (autoescaped) and static assets."""
