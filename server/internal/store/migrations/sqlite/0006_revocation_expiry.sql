-- When no token a revocation kills can verify any more (a revoked token's
-- own maximum expiry), so replicas and the janitor forget it then rather
-- than a whole maximum token lifetime after it. NULL: not known, kept for
-- the maximum token lifetime.
ALTER TABLE revocations ADD COLUMN expires_at DATETIME;
CREATE INDEX revocations_expires_at ON revocations (expires_at);
