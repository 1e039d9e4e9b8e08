-- Limited lookup sessions (the IVR's rules): a user's PIN, kept hashed,
-- opens a session that answers a few numbers.
CREATE TABLE lookup_pins (
	user_id    BIGINT PRIMARY KEY REFERENCES users(id),
	hash       TEXT NOT NULL,
	failures   BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);

CREATE TABLE lookup_sessions (
	id         TEXT PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users(id),
	used       BIGINT NOT NULL,
	max        BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
