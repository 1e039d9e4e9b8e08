-- Sessions of the Low Tech Interface, so that a restart signs no one out
-- and every server on the database knows them. key is the SHA-256 (hex)
-- of the random ID the cookie carries, never the ID itself.
CREATE TABLE web_sessions (
	key        TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	user_name  TEXT NOT NULL,
	stamp      TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	flash      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
CREATE INDEX web_sessions_seen ON web_sessions(last_seen);
