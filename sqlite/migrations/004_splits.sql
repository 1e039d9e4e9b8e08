-- NPA splits: scheduled, in their permissive dialing period, or complete.
CREATE TABLE splits (
	id        INTEGER PRIMARY KEY,
	status    TEXT NOT NULL,
	pdp_start INTEGER NOT NULL,
	pdp_end   INTEGER NOT NULL,
	data      TEXT NOT NULL
);
CREATE INDEX splits_open ON splits(status) WHERE status <> 'complete';
