-- Digests by mail: which period each member's digest of a community was handled for, so a
-- restart neither sends a period twice nor skips one. Members' choices live in
-- community_mail_choices.

-- One row per digest period handled: (member, community, cadence, period start). Written in the
-- transaction that queues the message, so the two succeed or fail together.
CREATE TABLE mail_digests_sent (
    user_id      bigint NOT NULL REFERENCES users (actor_id) ON DELETE CASCADE,
    community_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    cadence      text NOT NULL CHECK (cadence IN ('daily', 'weekly')),
    period_start timestamptz NOT NULL,
    items        integer NOT NULL CHECK (items >= 0),
    sent_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, community_id, cadence, period_start)
);
COMMENT ON TABLE mail_digests_sent IS
    'The digest periods already handled per member and community: never sent twice, never skipped.';
COMMENT ON COLUMN mail_digests_sent.cadence IS 'daily or weekly: the choice the digest was made for.';
COMMENT ON COLUMN mail_digests_sent.period_start IS
    'The start of the period covered (UTC midnight; a Monday for weekly digests).';
COMMENT ON COLUMN mail_digests_sent.items IS
    'How many items the digest listed; 0: nothing was new and no message was sent.';
COMMENT ON COLUMN mail_digests_sent.sent_at IS 'When the digest was handed to the outbound queue.';

-- Digest and mailing-list readers of a community, found without reading every choice.
CREATE INDEX community_mail_choices_mode ON community_mail_choices (mode, community_id)
    WHERE mode <> 'notifications';
