-- The media proxy (GET /media/proxy/TOKEN) serves a picture from elsewhere only when a post
-- kept here names it: a stored attachment entry {"url": ..., "proxy": TOKEN, ...} (the entry's
-- shape is in fedcop/media/__init__.py). The token is random, so the proxy is no open proxy and
-- a private post's files cannot be guessed at; this index finds the post holding a token
-- (attachments @> '[{"proxy": TOKEN}]') without a scan. Posts stored before pictures were
-- proxied have no token: their files stay links.
CREATE INDEX posts_attachments_proxy_tokens ON posts USING gin (attachments jsonb_path_ops);
