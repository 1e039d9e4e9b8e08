-- Broadcasts to LSMSs. The log holds every message in commit order; its
-- sequence comes from one counter row that each writing transaction holds
-- until it commits, so sequence numbers are gapless and never appear out
-- of order to a reader.
CREATE TABLE lsms (
	spid       TEXT PRIMARY KEY REFERENCES providers(spid),
	regions    TEXT NOT NULL,
	exclude    TEXT NOT NULL,
	acked_seq  BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE log_seq (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	last   BIGINT NOT NULL,
	-- pruned is the highest sequence number no longer kept.
	pruned BIGINT NOT NULL
);
INSERT INTO log_seq (id, last, pruned) VALUES (1, 0, 0);

CREATE TABLE lsms_log (
	seq        BIGINT PRIMARY KEY,
	data       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

-- The routing state the log has published, one row per routed TN: what an
-- LSMS holds after applying every message. The full image is read from it.
CREATE TABLE lsms_routes (
	tn     TEXT PRIMARY KEY,
	region TEXT NOT NULL,
	seq    BIGINT NOT NULL,
	data   TEXT NOT NULL
);

-- Broadcasts waiting for an LSMS's acknowledgement.
CREATE TABLE deliveries (
	spid     TEXT NOT NULL,
	seq      BIGINT NOT NULL,
	sv_id    BIGINT NOT NULL,
	deadline BIGINT NOT NULL,
	PRIMARY KEY (spid, seq)
);
CREATE INDEX deliveries_deadline ON deliveries(deadline);
CREATE INDEX deliveries_sv ON deliveries(sv_id);
