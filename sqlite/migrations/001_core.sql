-- Core schema of the NPAC registry. Times are microseconds since the Unix
-- epoch, UTC, in both dialects so that comparisons and ordering agree.
-- Tables with a natural key are WITHOUT ROWID: one B-tree instead of two,
-- so each write touches fewer pages.
CREATE TABLE providers (
	spid       TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	type       TEXT NOT NULL,
	data       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE bureau_authorizations (
	client_spid TEXT NOT NULL REFERENCES providers(spid),
	bureau_spid TEXT NOT NULL,
	PRIMARY KEY (client_spid, bureau_spid)
) WITHOUT ROWID;
CREATE INDEX bureau_authorizations_bureau ON bureau_authorizations(bureau_spid);

CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	grants     TEXT NOT NULL,
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);

CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id),
	name         TEXT NOT NULL,
	hash         TEXT NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	last_used_at INTEGER
);

CREATE TABLE npanxx (
	npanxx         TEXT PRIMARY KEY,
	spid           TEXT NOT NULL REFERENCES providers(spid),
	region         TEXT NOT NULL,
	effective_date INTEGER NOT NULL,
	portable       INTEGER NOT NULL,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX npanxx_spid ON npanxx(spid);

CREATE TABLE lrns (
	lrn        TEXT PRIMARY KEY,
	spid       TEXT NOT NULL REFERENCES providers(spid),
	region     TEXT NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX lrns_spid ON lrns(spid);

CREATE TABLE svs (
	id         INTEGER PRIMARY KEY,
	tn         TEXT NOT NULL,
	status     TEXT NOT NULL,
	slot       TEXT,
	old_spid   TEXT NOT NULL,
	new_spid   TEXT NOT NULL,
	lrn        TEXT NOT NULL,
	region     TEXT NOT NULL,
	due_date   INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	data       TEXT NOT NULL
);
-- At most one SV per TN in each live slot; old and canceled SVs hold none.
CREATE UNIQUE INDEX svs_tn_slot ON svs(tn, slot);
CREATE INDEX svs_old_spid ON svs(old_spid, id);
CREATE INDEX svs_new_spid ON svs(new_spid, id);
CREATE INDEX svs_lrn_live ON svs(lrn) WHERE slot IS NOT NULL;

CREATE TABLE timers (
	id       INTEGER PRIMARY KEY,
	sv_id    INTEGER NOT NULL REFERENCES svs(id),
	kind     TEXT NOT NULL,
	due_at   INTEGER NOT NULL,
	fired_at INTEGER
);
CREATE INDEX timers_due ON timers(due_at) WHERE fired_at IS NULL;
CREATE INDEX timers_sv ON timers(sv_id) WHERE fired_at IS NULL;

CREATE TABLE notify_seq (
	spid TEXT PRIMARY KEY,
	last INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE notifications (
	spid       TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	sv_id      INTEGER,
	data       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (spid, seq)
) WITHOUT ROWID;

CREATE TABLE audit (
	id        INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	user_id   INTEGER,
	user_name TEXT NOT NULL,
	spid      TEXT NOT NULL,
	action    TEXT NOT NULL,
	entity    TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	before    TEXT,
	after     TEXT
);
CREATE INDEX audit_entity ON audit(entity, entity_id, id);
CREATE INDEX audit_spid ON audit(spid, id);

CREATE TABLE idempotency (
	user_id     INTEGER NOT NULL,
	key         TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	result      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
