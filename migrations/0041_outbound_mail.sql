-- Outbound mail: the queue the mail worker sends from, each account's email address, and what a
-- member chooses to receive by mail from each community.

-- Each account's email address. Optional: a node without mail, or a member who gives none,
-- works as before.
ALTER TABLE users
    ADD COLUMN email                 text,
    ADD COLUMN email_confirmed_at    timestamptz,
    ADD COLUMN email_disabled_at     timestamptz,
    ADD COLUMN email_disabled_reason text;
COMMENT ON COLUMN users.email IS
    'The member''s email address as typed (case kept); NULL: none given. Unique, case-insensitive.';
COMMENT ON COLUMN users.email_confirmed_at IS
    'When the member followed the confirmation link sent to `email`; NULL: not confirmed (a new '
    'address is unconfirmed until its link is followed).';
COMMENT ON COLUMN users.email_disabled_at IS
    'When mail to `email` was turned off because it bounced (set by the inbound mail reader); '
    'NULL: mail goes out. Giving a new address clears it.';
COMMENT ON COLUMN users.email_disabled_reason IS
    'Why mail to `email` was turned off (the last bounce''s diagnostic), shown to the member.';
CREATE UNIQUE INDEX users_email_unique ON users (lower(email)) WHERE email IS NOT NULL;

-- Password reset links: one row per link sent, so each works once.
CREATE TABLE password_resets (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (actor_id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
COMMENT ON TABLE password_resets IS 'A password reset link sent by mail; it works once, until expiry.';
COMMENT ON COLUMN password_resets.token_hash IS
    'SHA-256 of the secret in the link; the secret itself is only in the mail.';
COMMENT ON COLUMN password_resets.user_id IS 'The account whose password the link resets.';
COMMENT ON COLUMN password_resets.created_at IS 'When the link was sent.';
COMMENT ON COLUMN password_resets.expires_at IS 'After this the link no longer works.';
COMMENT ON COLUMN password_resets.used_at IS 'When the link set a new password; NULL: unused.';

-- The outbound mail queue. A row is written in the same transaction as the change it tells of,
-- so nothing is sent for a change that rolled back; the mail worker sends it later.
CREATE TABLE mail_outbox (
    id              bigserial PRIMARY KEY,
    recipient       text NOT NULL,
    message         bytea NOT NULL,
    user_id         bigint REFERENCES users (actor_id) ON DELETE CASCADE,
    community_id    bigint REFERENCES actors (id) ON DELETE SET NULL,
    thread_id       bigint REFERENCES posts (id) ON DELETE SET NULL,
    state           text NOT NULL DEFAULT 'waiting'
                    CHECK (state IN ('waiting', 'sending', 'sent', 'given_up')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
COMMENT ON TABLE mail_outbox IS 'One email waiting to go out, going out, sent, or given up.';
COMMENT ON COLUMN mail_outbox.recipient IS 'The envelope recipient (RCPT TO) address.';
COMMENT ON COLUMN mail_outbox.message IS
    'The whole rendered RFC 5322 message (headers and MIME body), DKIM-signed when sent.';
COMMENT ON COLUMN mail_outbox.user_id IS
    'The local account the mail is for; NULL for mail to an address with no account.';
COMMENT ON COLUMN mail_outbox.community_id IS 'The community the mail is about; NULL: none.';
COMMENT ON COLUMN mail_outbox.thread_id IS 'The thread (root post) the mail is about; NULL: none.';
COMMENT ON COLUMN mail_outbox.state IS
    'waiting: due at next_attempt_at; sending: claimed by a worker until next_attempt_at (its '
    'lease, after which another worker may take it); sent: accepted by the SMTP server; '
    'given_up: failed for a day or refused for good, last_error says why.';
COMMENT ON COLUMN mail_outbox.attempts IS 'How many times sending was tried.';
COMMENT ON COLUMN mail_outbox.next_attempt_at IS
    'waiting: when to try next (backoff after a failure); sending: when the lease ends.';
COMMENT ON COLUMN mail_outbox.last_error IS 'The last failure (SMTP answer or connection error).';
COMMENT ON COLUMN mail_outbox.created_at IS 'When the mail was queued; it is given up a day after.';
COMMENT ON COLUMN mail_outbox.sent_at IS 'When the SMTP server accepted it; NULL until then.';
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE state IN ('waiting', 'sending');
CREATE INDEX mail_outbox_given_up ON mail_outbox (created_at) WHERE state = 'given_up';
-- Sent mail is kept a week (what went out, for the operator), then deleted by the mail worker.
CREATE INDEX mail_outbox_sent ON mail_outbox (sent_at) WHERE state = 'sent';

-- What a member receives by mail from each community. No row: 'notifications'.
CREATE TABLE community_mail_choices (
    user_id      bigint NOT NULL REFERENCES users (actor_id) ON DELETE CASCADE,
    community_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    mode         text NOT NULL CHECK (mode IN ('none', 'notifications', 'daily', 'weekly', 'every')),
    changed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, community_id)
);
COMMENT ON TABLE community_mail_choices IS
    'What a member receives by mail from one community; no row means notifications.';
COMMENT ON COLUMN community_mail_choices.mode IS
    'none: nothing; notifications: replies, mentions, answers, join requests; daily / weekly: a '
    'digest; every: mailing-list mode, every thread and reply as it arrives.';
COMMENT ON COLUMN community_mail_choices.changed_at IS
    'When the member (or a one-click unsubscribe) last set it.';

-- Whether a confirmed email address is needed before posting here (set on /admin).
ALTER TABLE node ADD COLUMN require_confirmed_email boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN node.require_confirmed_email IS
    'true: local members must confirm an email address before they post (web and client API).';
