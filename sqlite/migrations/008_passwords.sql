-- Passwords of the Low Tech Interface (the web UI under /lti/): one per
-- user, kept as an argon2id hash in PHC string form
-- ($argon2id$v=19$m=…,t=…,p=…$salt$hash), never the password itself. API
-- tokens are unaffected: a user may have both.
CREATE TABLE passwords (
	user_id    INTEGER PRIMARY KEY REFERENCES users(id),
	hash       TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
