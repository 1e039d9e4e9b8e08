-- Port orders between providers, and the losing providers' customer
-- service records (CSRs) they are validated against.
CREATE TABLE orders (
	id           INTEGER PRIMARY KEY,
	gaining_spid TEXT NOT NULL,
	losing_spid  TEXT NOT NULL,
	status       TEXT NOT NULL,
	-- next_at is when the scheduler next has work on the order: an
	-- approval or rejection deadline, the FOC date, or checking its SVs.
	next_at      INTEGER,
	updated_at   INTEGER NOT NULL,
	data         TEXT NOT NULL
);
CREATE INDEX orders_gaining ON orders(gaining_spid, id);
CREATE INDEX orders_losing ON orders(losing_spid, id);
CREATE INDEX orders_next ON orders(next_at) WHERE next_at IS NOT NULL;

-- The numbers of open orders: a number is in at most one open order.
CREATE TABLE order_tns (
	tn       TEXT PRIMARY KEY,
	order_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX order_tns_order ON order_tns(order_id);

CREATE TABLE csrs (
	spid       TEXT NOT NULL REFERENCES providers(spid),
	account    TEXT NOT NULL,
	data       TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (spid, account)
) WITHOUT ROWID;

-- Which account of a provider's CSRs lists a number.
CREATE TABLE csr_tns (
	spid    TEXT NOT NULL,
	tn      TEXT NOT NULL,
	account TEXT NOT NULL,
	PRIMARY KEY (spid, tn)
) WITHOUT ROWID;
CREATE INDEX csr_tns_account ON csr_tns(spid, account);
