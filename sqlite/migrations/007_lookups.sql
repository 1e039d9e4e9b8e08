-- Limited lookup sessions (the IVR's rules): a user's PIN, kept hashed,
-- opens a session that answers a few numbers.
CREATE TABLE lookup_pins (
	user_id    INTEGER PRIMARY KEY REFERENCES users(id),
	hash       TEXT NOT NULL,
	failures   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);

CREATE TABLE lookup_sessions (
	id         TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	used       INTEGER NOT NULL,
	max        INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
