-- Number pooling, numbering data imports and NPA-NXX events.

-- Pool blocks. A block holds its NPA-NXX-X until it is de-pooled (old);
-- de-pooled blocks stay for history.
CREATE TABLE blocks (
	id             INTEGER PRIMARY KEY,
	npanxxx        TEXT NOT NULL,
	spid           TEXT NOT NULL REFERENCES providers(spid),
	status         TEXT NOT NULL,
	effective_date INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	data           TEXT NOT NULL
);
CREATE UNIQUE INDEX blocks_live ON blocks(npanxxx) WHERE status <> 'old';
CREATE INDEX blocks_due ON blocks(effective_date) WHERE status = 'pending';
CREATE INDEX blocks_spid ON blocks(spid, id);

-- The blocks the log has published, as lsms_routes holds TNs.
CREATE TABLE lsms_blocks (
	npanxxx TEXT PRIMARY KEY,
	region  TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	data    TEXT NOT NULL
) WITHOUT ROWID;

-- A delivery is for an SV or a block; sv_id holds the object's ID.
ALTER TABLE deliveries ADD COLUMN object TEXT NOT NULL DEFAULT 'sv';

-- LSMS options: the pseudo-LRN opt-in.
ALTER TABLE lsms ADD COLUMN options TEXT NOT NULL DEFAULT '{}';

-- When the first SV of a code was created (the new NPA-NXX heads-up).
ALTER TABLE npanxx ADD COLUMN first_port_at INTEGER;

-- The numbering administrators' view of each code, as last imported:
-- what a re-import compares against.
CREATE TABLE numbering_codes (
	npanxx        TEXT PRIMARY KEY,
	source        TEXT NOT NULL,
	status        TEXT NOT NULL,
	ocn           TEXT NOT NULL,
	company       TEXT NOT NULL,
	exchange_area TEXT NOT NULL,
	province      TEXT NOT NULL,
	remarks       TEXT NOT NULL,
	updated_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- NANPA's area codes, as last imported.
CREATE TABLE area_codes (
	npa        TEXT PRIMARY KEY,
	region     TEXT NOT NULL,
	in_service INTEGER NOT NULL,
	data       TEXT NOT NULL,
	updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per import, with the report of what it changed.
CREATE TABLE imports (
	id          INTEGER PRIMARY KEY,
	source      TEXT NOT NULL,
	file_date   INTEGER NOT NULL,
	imported_at INTEGER NOT NULL,
	user_name   TEXT NOT NULL,
	report      TEXT NOT NULL
);
