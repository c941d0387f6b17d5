-- Inbound mail: every message handed to `fedcop mail` (SMTP/LMTP) or fetched from an IMAP
-- mailbox is kept here first, then read by the worker: a reply posted in its thread, a new
-- thread in a community, a bounce counted, or refused/dropped with the reason kept.

CREATE TABLE inbound_mail (
    id            bigserial PRIMARY KEY,
    message_id    text,
    envelope_from text NOT NULL DEFAULT '',
    recipients    text[] NOT NULL,
    raw           bytea NOT NULL CHECK (octet_length(raw) <= 10485760),
    source        text NOT NULL CHECK (source IN ('smtp', 'lmtp', 'imap')),
    received_at   timestamptz NOT NULL DEFAULT now(),
    state         text NOT NULL DEFAULT 'waiting'
                  CHECK (state IN ('waiting', 'posted', 'refused', 'dropped', 'bounce')),
    reason        text,
    post_id       bigint REFERENCES posts (id) ON DELETE SET NULL,
    user_id       bigint REFERENCES users (actor_id) ON DELETE SET NULL,
    processed_at  timestamptz
);
COMMENT ON TABLE inbound_mail IS
    'One message received by mail, waiting to be read or read (read ones go after 30 days).';
COMMENT ON COLUMN inbound_mail.message_id IS
    'Its Message-ID header (angle brackets kept); a second copy of one Message-ID to the same '
    'recipient is not kept. NULL: the message had none.';
COMMENT ON COLUMN inbound_mail.envelope_from IS
    'The SMTP envelope sender (MAIL FROM); empty for the null sender <> of bounces.';
COMMENT ON COLUMN inbound_mail.recipients IS
    'The envelope recipient accepted (at the node''s mail domain): one row per recipient, so '
    'a message to two reply addresses is read twice, once for each.';
COMMENT ON COLUMN inbound_mail.raw IS 'The message as received, at most 10 MiB.';
COMMENT ON COLUMN inbound_mail.source IS 'How it arrived: smtp, lmtp (fedcop mail) or imap.';
COMMENT ON COLUMN inbound_mail.state IS
    'waiting: not read yet; posted: it became post_id; refused: not posted, the sender is not who '
    'the address allows (reason says why); dropped: auto-reply, empty or unreadable (reason); '
    'bounce: a delivery report for mail this node sent, counted in mail_bounces.';
COMMENT ON COLUMN inbound_mail.reason IS 'Why it was refused or dropped, or what the bounce said.';
COMMENT ON COLUMN inbound_mail.post_id IS 'The post it became (state posted).';
COMMENT ON COLUMN inbound_mail.user_id IS 'The member it was from or, for a bounce, about.';
COMMENT ON COLUMN inbound_mail.processed_at IS 'When the worker read it; NULL: waiting.';
CREATE UNIQUE INDEX inbound_mail_message_id ON inbound_mail (message_id, recipients)
    WHERE message_id IS NOT NULL;
CREATE INDEX inbound_mail_waiting ON inbound_mail (id) WHERE state = 'waiting';

-- Delivery failures of mail this node sent, per address: enough of them in a short time and
-- mail to that address is turned off (users.email_disabled_at).
CREATE TABLE mail_bounces (
    id          bigserial PRIMARY KEY,
    address     text NOT NULL,
    user_id     bigint REFERENCES users (actor_id) ON DELETE CASCADE,
    hard        boolean NOT NULL,
    diagnostic  text NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE mail_bounces IS 'One failed delivery reported back by a mail server (a DSN).';
COMMENT ON COLUMN mail_bounces.address IS 'The address that failed, lower case.';
COMMENT ON COLUMN mail_bounces.user_id IS 'The member whose address it is, when known.';
COMMENT ON COLUMN mail_bounces.hard IS
    'true: a permanent failure (status 5.x.x: no such mailbox); false: temporary (4.x.x).';
COMMENT ON COLUMN mail_bounces.diagnostic IS 'What the reporting server said, cut short.';
COMMENT ON COLUMN mail_bounces.received_at IS 'When the report arrived.';
CREATE INDEX mail_bounces_address ON mail_bounces (address, received_at);
