-- Double-knocking: the HTTP signature scheme each host last accepted a delivery signed with.
-- The delivery worker signs with it first next time, so a host costs one signature per delivery;
-- a 401 makes it sign once more with the other scheme in the same attempt, and whatever is then
-- accepted replaces this value (federation/double_knock.py).
--   NULL:           nothing delivered to the host yet; draft-cavage is tried first
--   'draft-cavage': the host accepted a draft-cavage signature (the Signature header)
--   'rfc9421':      the host accepted an RFC 9421 signature (Signature-Input + Signature)
ALTER TABLE hosts ADD COLUMN signature_scheme text
    CHECK (signature_scheme IN ('draft-cavage', 'rfc9421'));
