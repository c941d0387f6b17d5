-- Key rotation (`fedcop admin rotate-key`): the key pairs local actors used before, and which of
-- them signs an activity that must go out under the old key.

-- A key pair an actor no longer uses. The old private key is kept: it signs the Update that
-- announces the new key, so that servers which cached the old one can verify that Update.
CREATE TABLE retired_keys (
    id              bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    actor_id        bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    key_id          text NOT NULL,
    public_key_pem  text NOT NULL,
    private_key_pem text NOT NULL,
    retired_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retired_keys_actor ON retired_keys (actor_id);

-- NULL: deliveries are signed with the actor's current key (every activity but one).
-- Set: with this retired key instead (the Update announcing a rotation).
ALTER TABLE outbound_activities ADD COLUMN signing_key bigint REFERENCES retired_keys (id);
