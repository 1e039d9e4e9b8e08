-- Webhook and email endpoints of providers' notification streams, with
-- their delivery state.
CREATE TABLE endpoints (
	id           INTEGER PRIMARY KEY,
	spid         TEXT NOT NULL REFERENCES providers(spid),
	kind         TEXT NOT NULL,
	secret       TEXT NOT NULL,
	cursor       INTEGER NOT NULL,
	failing      INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER,
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	data         TEXT NOT NULL,
	created_at   INTEGER NOT NULL
);
CREATE INDEX endpoints_spid ON endpoints(spid, id);
