-- NPAC-wide settings changed at run time, one JSON document per key. The
-- tunables (key "tunables") live here once an administrator or
-- `npac serve --tunables` has set them; until then the defaults apply.
CREATE TABLE settings (
	key        TEXT PRIMARY KEY,
	data       TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
