package store

import (
	"fmt"

	npac "github.com/opennpac/npac"
)

// NPA-NXX events: the heads-up when the first SV of a code is created, and
// the announcement when a code opens for porting. Both go to every provider
// that serves the code's region, except providers an import created and
// nobody has registered, which have no one to read them (see
// docs/domain.md).

// announce notifies every registered provider serving region.
func (t *tx) announce(region npac.Region, kind npac.NoticeKind, msg string, data map[string]any) error {
	rows, err := t.query(`SELECT spid, name, type, data, created_at, updated_at FROM providers ORDER BY spid`)
	if err != nil {
		return fmt.Errorf("announce: %w", err)
	}
	var ns []*npac.Notification
	for rows.Next() {
		p, err := scanProvider(rows, noBureaus)
		if err != nil {
			rows.Close()
			return err
		}
		if p.Origin != "" || p.Type == npac.ProviderServiceBureau {
			continue
		}
		for _, r := range p.Regions {
			if r == region {
				ns = append(ns, &npac.Notification{SPID: p.SPID, Kind: kind, Message: msg, Data: data, CreatedAt: t.now})
				break
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return t.notify(ns)
}

// noBureaus skips loading bureau authorizations where they are not needed.
func noBureaus(npac.SPID) ([]npac.SPID, error) { return nil, nil }

// announceOpening tells the region that a code opened for porting. LSMSs
// learn it from the code's own broadcast.
func (t *tx) announceOpening(c *npac.CodeRecord) error {
	return t.announce(c.Region, npac.NoticeCodeOpened,
		fmt.Sprintf("NPA-NXX %s (held by %s) is open for porting from %s.", c.NPANXX, c.SPID, c.EffectiveDate.Format("2006-01-02")),
		map[string]any{"npa_nxx": c.NPANXX, "spid": c.SPID, "effective_date": c.EffectiveDate})
}

// firstPort records the first SV of a code and sends the heads-up to the
// region's SOAs and LSMSs, so networks set up LNP queries for the code
// before its first number activates.
func (t *tx) firstPort(c *npac.CodeRecord) error {
	now := t.now
	c.FirstPortAt = &now
	res, err := t.exec(`UPDATE npanxx SET first_port_at = ? WHERE npanxx = ? AND first_port_at IS NULL`, micros(now), string(c.NPANXX))
	if err != nil {
		return fmt.Errorf("first port: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // a concurrent create sent it
	}
	if err := t.appendLog(&npac.Message{Kind: npac.MsgFirstPort, Region: c.Region, Code: c}); err != nil {
		return err
	}
	return t.announce(c.Region, npac.NoticeNewNPANXX,
		fmt.Sprintf("The first number in NPA-NXX %s is being ported: calls to the code need LNP queries from now on.", c.NPANXX),
		map[string]any{"npa_nxx": c.NPANXX, "spid": c.SPID})
}
