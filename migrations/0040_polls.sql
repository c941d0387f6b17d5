-- Polls: a thread can carry one (written here, or a Question received from Mastodon, PieFed...),
-- with its options, the votes cast here or received, and when its counts go out again.

-- One row per thread that carries a poll. A poll written here counts its own votes; a poll
-- from elsewhere keeps the counts its author's server last sent (and this node's own votes).
CREATE TABLE polls (
    post_id        bigint PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    multiple       boolean NOT NULL,
    hide_totals    boolean NOT NULL DEFAULT false,
    ends_at        timestamptz,
    closed_at      timestamptz,
    voters_count   integer NOT NULL DEFAULT 0 CHECK (voters_count >= 0),
    update_due_at  timestamptz,
    counts_sent_at timestamptz
);
COMMENT ON TABLE polls IS
    'A thread''s poll (ActivityStreams Question): written here, or received with its post.';
COMMENT ON COLUMN polls.multiple IS
    'true: several options may be chosen (anyOf on the wire); false: one (oneOf).';
COMMENT ON COLUMN polls.hide_totals IS
    'The counts are shown (here, in the client API and on the wire) only once the poll has ended.';
COMMENT ON COLUMN polls.ends_at IS
    'When voting ends (endTime); NULL: a poll from elsewhere that never ends.';
COMMENT ON COLUMN polls.closed_at IS
    'When the ending was handled here (its voters told; a poll written here sent its final '
    'counts with closed); NULL while open, or ended but not yet handled by the inbox worker.';
COMMENT ON COLUMN polls.voters_count IS
    'How many people voted: counted here for a poll written here, else its author''s votersCount.';
COMMENT ON COLUMN polls.update_due_at IS
    'A poll written here: when the Update carrying its new counts is due (at most one a minute); '
    'NULL when none is waiting. Always NULL for polls from elsewhere.';
COMMENT ON COLUMN polls.counts_sent_at IS
    'A poll written here: when its counts last went out in an Update; NULL before the first.';
CREATE INDEX polls_updates_due ON polls (update_due_at) WHERE update_due_at IS NOT NULL;
CREATE INDEX polls_to_close ON polls (ends_at) WHERE closed_at IS NULL AND ends_at IS NOT NULL;

-- The options, in their order on the wire.
CREATE TABLE poll_options (
    post_id     bigint NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    position    smallint NOT NULL CHECK (position >= 0),
    title       text NOT NULL,
    votes_count integer NOT NULL DEFAULT 0 CHECK (votes_count >= 0),
    PRIMARY KEY (post_id, position)
);
COMMENT ON COLUMN poll_options.title IS 'The option as shown, and its name on the wire.';
COMMENT ON COLUMN poll_options.votes_count IS
    'Votes for it: counted here for a poll written here; else replies.totalItems as its '
    'author''s server last sent it (plus the votes cast here since).';

-- Votes: by people here (on any poll), and by people elsewhere (on polls written here).
CREATE TABLE poll_votes (
    id         bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    post_id    bigint NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    position   smallint NOT NULL,
    voter_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    uri        text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (post_id, position) REFERENCES poll_options (post_id, position) ON DELETE CASCADE,
    UNIQUE (post_id, voter_id, position)
);
COMMENT ON TABLE poll_votes IS
    'One row per person and option chosen: a vote here on any poll, or a vote Note received '
    'for a poll written here. A vote is never a reply.';
COMMENT ON COLUMN poll_votes.uri IS
    'The vote Note''s id (sent by this node for a vote here, or received); never shown.';

-- 'poll': a poll the recipient voted in (or wrote) has ended. It joins the kinds of
-- notification (post_id: the poll's thread; from_id: its author), with every kind before it.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite',
                    'update', 'answer_accepted', 'page_changed', 'page_edit_conflicted',
                    'poll'));
