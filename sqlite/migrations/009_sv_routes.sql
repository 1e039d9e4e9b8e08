-- What a bulk data download (BDD) SV record carries, kept in columns so
-- that an export never decodes the SVs' JSON documents. The document stays
-- authoritative: the store writes these columns in the statement that
-- writes it (store/bdd.go, bddColumns).
--
-- sv_routes holds each distinct combination of the fields that many SVs
-- share, as the BDD record has them: a missing DPC/SSN pair is DPC '' and
-- SSN 0, and a pair without an SSN has SSN 0. Rows are never deleted.
CREATE TABLE sv_routes (
	id         INTEGER PRIMARY KEY,
	new_spid   TEXT NOT NULL,
	lrn        TEXT NOT NULL,
	class_dpc  TEXT NOT NULL,
	class_ssn  INTEGER NOT NULL,
	lidb_dpc   TEXT NOT NULL,
	lidb_ssn   INTEGER NOT NULL,
	isvm_dpc   TEXT NOT NULL,
	isvm_ssn   INTEGER NOT NULL,
	cnam_dpc   TEXT NOT NULL,
	cnam_ssn   INTEGER NOT NULL,
	wsmsc_dpc  TEXT NOT NULL,
	wsmsc_ssn  INTEGER NOT NULL,
	billing_id TEXT NOT NULL,
	lnp_type   TEXT NOT NULL,
	sv_type    TEXT NOT NULL,
	alt_spid   TEXT NOT NULL
);
CREATE UNIQUE INDEX sv_routes_fields ON sv_routes(new_spid, lrn, class_dpc, class_ssn, lidb_dpc, lidb_ssn,
	isvm_dpc, isvm_ssn, cnam_dpc, cnam_ssn, wsmsc_dpc, wsmsc_ssn, billing_id, lnp_type, sv_type, alt_spid);

-- Each SV's route; its activation timestamp in whole seconds since the
-- epoch (NULL before activation), which is all a BDD record keeps of it;
-- and the fields that belong to the number alone (end-user location value
-- and type, voice, MMS and SMS URIs) as a JSON object with the document's
-- names, NULL when the SV has none of them, as most have not. One column
-- for the five, mostly NULL, keeps the rows an export reads short.
ALTER TABLE svs ADD COLUMN route_id INTEGER REFERENCES sv_routes(id);
ALTER TABLE svs ADD COLUMN activated_sec INTEGER;
ALTER TABLE svs ADD COLUMN tn_fields TEXT;

-- Fill them in for the SVs already stored, from their documents. The
-- activation timestamp is cut to its seconds before it is read (as Go's
-- time.Unix counts them), so that no rounding of the fraction can move it
-- to the next second.
CREATE TEMP VIEW sv_bdd_fields AS
SELECT id AS sv_id,
	COALESCE(json_extract(data, '$.new_spid'), '') AS new_spid,
	COALESCE(json_extract(data, '$.lrn'), '') AS lrn,
	COALESCE(json_extract(data, '$.class.dpc'), '') AS class_dpc,
	COALESCE(json_extract(data, '$.class.ssn'), 0) AS class_ssn,
	COALESCE(json_extract(data, '$.lidb.dpc'), '') AS lidb_dpc,
	COALESCE(json_extract(data, '$.lidb.ssn'), 0) AS lidb_ssn,
	COALESCE(json_extract(data, '$.isvm.dpc'), '') AS isvm_dpc,
	COALESCE(json_extract(data, '$.isvm.ssn'), 0) AS isvm_ssn,
	COALESCE(json_extract(data, '$.cnam.dpc'), '') AS cnam_dpc,
	COALESCE(json_extract(data, '$.cnam.ssn'), 0) AS cnam_ssn,
	COALESCE(json_extract(data, '$.wsmsc.dpc'), '') AS wsmsc_dpc,
	COALESCE(json_extract(data, '$.wsmsc.ssn'), 0) AS wsmsc_ssn,
	COALESCE(json_extract(data, '$.billing_id'), '') AS billing_id,
	COALESCE(json_extract(data, '$.lnp_type'), '') AS lnp_type,
	COALESCE(json_extract(data, '$.sv_type'), '') AS sv_type,
	COALESCE(json_extract(data, '$.alternative_spid'), '') AS alt_spid,
	unixepoch(substr(json_extract(data, '$.activation_timestamp'), 1, 19) ||
		CASE WHEN json_extract(data, '$.activation_timestamp') LIKE '%Z' THEN 'Z'
		ELSE substr(json_extract(data, '$.activation_timestamp'), -6) END) AS activated_sec,
	CASE WHEN COALESCE(json_extract(data, '$.end_user_location_value'), '') || COALESCE(json_extract(data, '$.end_user_location_type'), '') ||
		COALESCE(json_extract(data, '$.voice_uri'), '') || COALESCE(json_extract(data, '$.mms_uri'), '') ||
		COALESCE(json_extract(data, '$.sms_uri'), '') <> ''
	THEN json_object('end_user_location_value', json_extract(data, '$.end_user_location_value'),
		'end_user_location_type', json_extract(data, '$.end_user_location_type'),
		'voice_uri', json_extract(data, '$.voice_uri'), 'mms_uri', json_extract(data, '$.mms_uri'),
		'sms_uri', json_extract(data, '$.sms_uri')) END AS tn_fields
FROM svs;

INSERT INTO sv_routes (new_spid, lrn, class_dpc, class_ssn, lidb_dpc, lidb_ssn, isvm_dpc, isvm_ssn,
	cnam_dpc, cnam_ssn, wsmsc_dpc, wsmsc_ssn, billing_id, lnp_type, sv_type, alt_spid)
SELECT DISTINCT new_spid, lrn, class_dpc, class_ssn, lidb_dpc, lidb_ssn, isvm_dpc, isvm_ssn,
	cnam_dpc, cnam_ssn, wsmsc_dpc, wsmsc_ssn, billing_id, lnp_type, sv_type, alt_spid
FROM sv_bdd_fields;

UPDATE svs SET route_id = r.id, activated_sec = f.activated_sec, tn_fields = f.tn_fields
FROM sv_bdd_fields f JOIN sv_routes r USING (new_spid, lrn, class_dpc, class_ssn, lidb_dpc, lidb_ssn, isvm_dpc, isvm_ssn,
	cnam_dpc, cnam_ssn, wsmsc_dpc, wsmsc_ssn, billing_id, lnp_type, sv_type, alt_spid)
WHERE f.sv_id = svs.id;

DROP VIEW sv_bdd_fields;

-- The SV file's rows, in TN order, read from the index alone. The
-- condition is the export's; keep the two the same. Slot and status are
-- in the index too so that the planner sees it covers the query (and
-- keeps choosing it once ANALYZE has run).
CREATE INDEX svs_bdd ON svs(tn, route_id, activated_sec, tn_fields, region, slot, status)
	WHERE slot = 'active' AND status IN ('active', 'partial-failure', 'disconnect-pending');
