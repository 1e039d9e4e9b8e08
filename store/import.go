package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/numbering"
)

// Numbering data imports. The administrators' view of each code is kept
// in numbering_codes, per source; a new snapshot is compared with it, and
// only the codes that differ touch network data. A held code becomes (or
// stays) an NPA-NXX whose code holder is the SPID equal to its OCN, open
// for porting while the code is in service; a code no longer held leaves
// the NPAC unless SVs or pool blocks live in it.

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("store: dry run")

// importRegion is the NPAC region of a source's codes.
func importRegion(source string, o numbering.ImportOptions) (npac.Region, error) {
	switch source {
	case "cnac":
		return npac.Canada, nil
	case "nanpa-5xx":
		if o.Region == "" {
			return "", npac.Errorf(npac.EINVALID, "5XX codes have no geography: name the NPAC region that administers them (region).")
		}
		return npac.ParseRegion(string(o.Region))
	}
	return "", npac.Errorf(npac.EINVALID, "Unknown code source %q: use cnac or nanpa-5xx.", source)
}

// ImportCodes implements numbering.Importer.
func (s *Store) ImportCodes(ctx context.Context, f *numbering.CodeFile, o numbering.ImportOptions) (*numbering.Report, error) {
	var rep *numbering.Report
	err := s.inTx(ctx, func(t *tx) error {
		if err := requireAdmin(t.actor, "import numbering data"); err != nil {
			return err
		}
		region, err := importRegion(f.Source, o)
		if err != nil {
			return err
		}
		old, err := t.numberingCodes(f.Source)
		if err != nil {
			return err
		}
		d := numbering.DiffCodes(old, f.Codes)
		rep = &numbering.Report{Source: f.Source, FileDate: f.Date, DryRun: o.DryRun, Rows: len(f.Codes),
			Added: len(d.Added), Removed: len(d.Removed), Changed: len(d.Changed), Unchanged: d.Unchanged,
			Counts: d.Counts, Changes: []numbering.Change{}, ImportedAt: t.now}
		rep.Network.ProvidersCreated, rep.Network.Kept = []npac.SPID{}, []npac.NPANXX{}
		im := &codeImport{t: t, region: region, rep: rep, known: map[npac.SPID]bool{}}
		for _, group := range []struct {
			kind string
			list []numbering.CodeChange
		}{{"added", d.Added}, {"changed", d.Changed}, {"removed", d.Removed}} {
			for i := range group.list {
				if err := im.apply(f.Source, group.kind, &group.list[i]); err != nil {
					return err
				}
			}
		}
		if err := t.fillProvinces(old, f); err != nil {
			return err
		}
		return t.finishImport(rep, o.DryRun)
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return rep, err
}

// fillProvinces records the provinces of codes that did not differ: a
// file that adds the Province column (CNAC's 2024 layout) to a snapshot
// without it does not count them as changes, but the next import compares
// them.
func (t *tx) fillProvinces(old []numbering.Code, f *numbering.CodeFile) error {
	if !f.HasProvince {
		return nil
	}
	prev := make(map[npac.NPANXX]string, len(old))
	for _, c := range old {
		prev[c.NPANXX] = c.Province
	}
	for _, c := range f.Codes {
		if p, ok := prev[c.NPANXX]; ok && p == "" && c.Province != "" {
			if _, err := t.exec(`UPDATE numbering_codes SET province = ? WHERE npanxx = ? AND province = ''`, c.Province, string(c.NPANXX)); err != nil {
				return fmt.Errorf("numbering code %s: %w", c.NPANXX, err)
			}
		}
	}
	return nil
}

// finishImport records an import and its audit, or rolls a dry run back.
func (t *tx) finishImport(rep *numbering.Report, dryRun bool) error {
	if dryRun {
		return errDryRun
	}
	rep.User = t.actor.User.Name
	data, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	if err := t.row(`INSERT INTO imports (source, file_date, imported_at, user_name, report) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		rep.Source, micros(rep.FileDate), micros(t.now), rep.User, string(data)).Scan(&rep.ID); err != nil {
		return fmt.Errorf("record import: %w", err)
	}
	summary := *rep
	summary.Changes = nil
	return t.audit("", "numbering.import", "import", strconv.FormatInt(rep.ID, 10), nil, &summary)
}

// numberingCodes loads the last imported snapshot of a source.
func (t *tx) numberingCodes(source string) ([]numbering.Code, error) {
	rows, err := t.query(`SELECT npanxx, status, ocn, company, exchange_area, province, remarks FROM numbering_codes WHERE source = ?`, source)
	if err != nil {
		return nil, fmt.Errorf("numbering codes: %w", err)
	}
	defer rows.Close()
	var out []numbering.Code
	for rows.Next() {
		var c numbering.Code
		if err := rows.Scan(&c.NPANXX, &c.Status, &c.OCN, &c.Company, &c.ExchangeArea, &c.Province, &c.Remarks); err != nil {
			return nil, fmt.Errorf("numbering codes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// codeImport applies one snapshot's differences.
type codeImport struct {
	t      *tx
	region npac.Region
	rep    *numbering.Report
	// known caches the SPIDs found or created.
	known map[npac.SPID]bool
}

// codeFields are a code's values by report field name.
func codeFields(c *numbering.Code) map[string]string {
	return map[string]string{"status": c.Status, "ocn": c.OCN, "company": c.Company,
		"exchange_area": c.ExchangeArea, "province": c.Province, "remarks": c.Remarks}
}

// apply records one differing code and brings network data in line.
func (im *codeImport) apply(source, kind string, ch *numbering.CodeChange) error {
	t, rep := im.t, im.rep
	if len(rep.Changes) < numbering.MaxReportChanges {
		c := numbering.Change{Key: string(ch.NPANXX), Kind: kind, Fields: ch.Fields}
		switch kind {
		case "added":
			c.New = map[string]string{"status": ch.New.Status, "ocn": ch.New.OCN}
		case "removed":
			c.Old = map[string]string{"status": ch.Old.Status, "ocn": ch.Old.OCN}
		default:
			of, nf := codeFields(ch.Old), codeFields(ch.New)
			c.Old, c.New = map[string]string{}, map[string]string{}
			for _, k := range ch.Fields {
				c.Old[k], c.New[k] = of[k], nf[k]
			}
		}
		rep.Changes = append(rep.Changes, c)
	} else {
		rep.Truncated = true
	}
	var err error
	switch kind {
	case "added":
		c := ch.New
		_, err = t.exec(`INSERT INTO numbering_codes (npanxx, source, status, ocn, company, exchange_area, province, remarks, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (npanxx) DO UPDATE SET source = excluded.source, status = excluded.status, ocn = excluded.ocn, company = excluded.company,
			exchange_area = excluded.exchange_area, province = excluded.province, remarks = excluded.remarks, updated_at = excluded.updated_at`,
			string(c.NPANXX), source, c.Status, c.OCN, c.Company, c.ExchangeArea, c.Province, c.Remarks, micros(t.now))
	case "changed":
		c := ch.New
		_, err = t.exec(`UPDATE numbering_codes SET status = ?, ocn = ?, company = ?, exchange_area = ?, province = ?, remarks = ?, updated_at = ? WHERE npanxx = ?`,
			c.Status, c.OCN, c.Company, c.ExchangeArea, c.Province, c.Remarks, micros(t.now), string(c.NPANXX))
	case "removed":
		_, err = t.exec(`DELETE FROM numbering_codes WHERE npanxx = ?`, string(ch.NPANXX))
	}
	if err != nil {
		return fmt.Errorf("numbering code %s: %w", ch.NPANXX, err)
	}
	// Only the holder and the status matter to network data.
	if kind == "changed" && ch.Old.Status == ch.New.Status && ch.Old.OCN == ch.New.OCN {
		return nil
	}
	return im.network(ch.NPANXX, ch.New)
}

// network makes the NPAC's NPA-NXX agree with the code's new state (nil:
// no longer listed).
func (im *codeImport) network(code npac.NPANXX, c *numbering.Code) error {
	t, nc := im.t, &im.rep.Network
	held := c != nil && c.Held()
	if _, err := npac.ParseNPANXX(string(code)); err != nil {
		if held {
			nc.Skipped++ // an N11 service code
		}
		return nil
	}
	cur, err := t.code(code)
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		cur, err = nil, nil
	}
	if err != nil {
		return err
	}
	if !held {
		if cur == nil {
			return nil
		}
		return im.release(cur)
	}
	spid, err := npac.ParseSPID(c.OCN)
	if err != nil {
		nc.Skipped++
		return nil
	}
	if err := im.provider(spid, c.Company); err != nil {
		return err
	}
	portable := c.InService()
	if cur == nil {
		nc.CodesCreated++
		return t.insertCode(&npac.CodeRecord{NPANXX: code, SPID: spid, Region: im.region, Portable: portable})
	}
	if cur.SPID == spid && cur.Portable == portable {
		return nil
	}
	if cur.SPID != spid {
		nc.HolderChanged++
	}
	if cur.Portable != portable {
		if portable {
			nc.CodesOpened++
		} else {
			nc.CodesClosed++
		}
	}
	cur.SPID, cur.Portable, cur.UpdatedAt = spid, portable, t.now
	return t.rewriteCode(cur)
}

// rewriteCode stores a code's holder and portability and broadcasts it.
func (t *tx) rewriteCode(c *npac.CodeRecord) error {
	if _, err := t.exec(`UPDATE npanxx SET spid = ?, portable = ?, updated_at = ? WHERE npanxx = ?`,
		string(c.SPID), c.Portable, micros(t.now), string(c.NPANXX)); err != nil {
		return fmt.Errorf("update npa-nxx: %w", err)
	}
	return t.appendLog(&npac.Message{Kind: npac.MsgCode, Region: c.Region, Code: c})
}

// release removes a code no longer held, or closes it when SVs or blocks
// still live in it.
func (im *codeImport) release(c *npac.CodeRecord) error {
	t, nc := im.t, &im.rep.Network
	var live int
	if err := t.row(`SELECT (SELECT COUNT(*) FROM svs WHERE tn >= ? AND tn <= ? AND slot IS NOT NULL)
		+ (SELECT COUNT(*) FROM blocks WHERE npanxxx >= ? AND npanxxx <= ? AND status <> 'old')`,
		string(c.NPANXX)+"0000", string(c.NPANXX)+"9999", string(c.NPANXX)+"0", string(c.NPANXX)+"9").Scan(&live); err != nil {
		return fmt.Errorf("npa-nxx in use: %w", err)
	}
	if live > 0 {
		nc.Kept = append(nc.Kept, c.NPANXX)
		if !c.Portable {
			return nil
		}
		nc.CodesClosed++
		c.Portable, c.UpdatedAt = false, t.now
		return t.rewriteCode(c)
	}
	nc.CodesDeleted++
	if _, err := t.exec(`DELETE FROM npanxx WHERE npanxx = ?`, string(c.NPANXX)); err != nil {
		return fmt.Errorf("delete npa-nxx: %w", err)
	}
	return t.appendLog(&npac.Message{Kind: npac.MsgCodeDelete, Region: c.Region, Code: c})
}

// provider finds the provider of an OCN, creating it when there is none.
func (im *codeImport) provider(spid npac.SPID, company string) error {
	if im.known[spid] {
		return nil
	}
	t := im.t
	_, err := t.providerType(spid)
	switch {
	case err == nil:
		im.known[spid] = true
		return nil
	case npac.ErrorCode(err) != npac.ENOTFOUND:
		return err
	}
	p := &npac.Provider{SPID: spid, Name: company, Type: npac.ProviderWireline, Regions: []npac.Region{im.region},
		Contacts: []npac.Contact{}, Origin: "import", CreatedAt: t.now, UpdatedAt: t.now}
	if p.Name == "" || len(p.Name) > 200 {
		p.Name = "OCN " + string(spid)
	}
	data, err := json.Marshal(dataOf(p))
	if err != nil {
		return err
	}
	if _, err := t.exec(`INSERT INTO providers (spid, name, type, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		string(p.SPID), p.Name, string(p.Type), string(data), micros(t.now), micros(t.now)); err != nil {
		return fmt.Errorf("insert provider: %w", err)
	}
	im.known[spid] = true
	im.rep.Network.ProvidersCreated = append(im.rep.Network.ProvidersCreated, spid)
	return nil
}

// areaFields are an area code's compared values by report field name.
func areaFields(a *numbering.AreaCode) map[string]string {
	ds := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02")
	}
	return map[string]string{
		"kind": a.Kind, "assignable": strconv.FormatBool(a.Assignable), "reserved": strconv.FormatBool(a.Reserved),
		"assigned": strconv.FormatBool(a.Assigned), "in_service": strconv.FormatBool(a.InService),
		"assignment_date": ds(a.AssignmentDate), "in_service_date": ds(a.InServiceDate), "use": a.Use,
		"location": a.Location, "country": a.Country, "region": string(a.Region), "status": a.Status,
		"overlay": strconv.FormatBool(a.Overlay), "overlay_complex": a.OverlayComplex, "parent_npa": a.ParentNPA,
		"service": a.Service, "time_zone": a.TimeZone, "area_served": a.AreaServed, "notes": a.Notes,
	}
}

// ImportAreaCodes implements numbering.Importer.
func (s *Store) ImportAreaCodes(ctx context.Context, f *numbering.AreaFile, o numbering.ImportOptions) (*numbering.Report, error) {
	var rep *numbering.Report
	err := s.inTx(ctx, func(t *tx) error {
		if err := requireAdmin(t.actor, "import numbering data"); err != nil {
			return err
		}
		old := map[string]map[string]string{}
		rows, err := t.query(`SELECT npa, data FROM area_codes`)
		if err != nil {
			return fmt.Errorf("area codes: %w", err)
		}
		for rows.Next() {
			var (
				npa, data string
				a         numbering.AreaCode
			)
			if err := rows.Scan(&npa, &data); err != nil {
				rows.Close()
				return fmt.Errorf("area codes: %w", err)
			}
			if err := json.Unmarshal([]byte(data), &a); err != nil {
				rows.Close()
				return fmt.Errorf("area code %s: %w", npa, err)
			}
			old[npa] = areaFields(&a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rep = &numbering.Report{Source: "nanpa-npa", FileDate: f.Date, DryRun: o.DryRun, Rows: len(f.Areas),
			Counts: map[string]int{}, Changes: []numbering.Change{}, ImportedAt: t.now}
		rep.Network.ProvidersCreated, rep.Network.Kept = []npac.SPID{}, []npac.NPANXX{}
		seen := map[string]bool{}
		note := func(c numbering.Change) {
			if len(rep.Changes) < numbering.MaxReportChanges {
				rep.Changes = append(rep.Changes, c)
			} else {
				rep.Truncated = true
			}
		}
		for i := range f.Areas {
			a := &f.Areas[i]
			seen[a.NPA] = true
			nf := areaFields(a)
			of, had := old[a.NPA]
			var ch numbering.Change
			switch {
			case !had:
				rep.Added++
				ch = numbering.Change{Key: a.NPA, Kind: "added", New: map[string]string{"in_service": nf["in_service"], "region": nf["region"]}}
			default:
				ch = numbering.Change{Key: a.NPA, Kind: "changed", Old: map[string]string{}, New: map[string]string{}}
				for _, k := range slices.Sorted(maps.Keys(nf)) {
					if of[k] != nf[k] {
						ch.Fields = append(ch.Fields, k)
						ch.Old[k], ch.New[k] = of[k], nf[k]
						rep.Counts[k]++
					}
				}
				if len(ch.Fields) == 0 {
					rep.Unchanged++
					continue
				}
				rep.Changed++
			}
			note(ch)
			data, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if _, err := t.exec(`INSERT INTO area_codes (npa, region, in_service, data, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (npa) DO UPDATE SET region = excluded.region, in_service = excluded.in_service, data = excluded.data, updated_at = excluded.updated_at`,
				a.NPA, string(a.Region), a.InService, string(data), micros(t.now)); err != nil {
				return fmt.Errorf("area code %s: %w", a.NPA, err)
			}
		}
		for _, npa := range slices.Sorted(maps.Keys(old)) {
			if seen[npa] {
				continue
			}
			rep.Removed++
			note(numbering.Change{Key: npa, Kind: "removed"})
			if _, err := t.exec(`DELETE FROM area_codes WHERE npa = ?`, npa); err != nil {
				return fmt.Errorf("area code %s: %w", npa, err)
			}
		}
		return t.finishImport(rep, o.DryRun)
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return rep, err
}

// Imports implements numbering.Importer.
func (s *Store) Imports(ctx context.Context, limit int) ([]*numbering.Report, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := requireAdmin(a, "read the import history"); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, report FROM imports ORDER BY id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	defer rows.Close()
	out := []*numbering.Report{}
	for rows.Next() {
		var (
			id   int64
			data string
			r    numbering.Report
		)
		if err := rows.Scan(&id, &data); err != nil {
			return nil, fmt.Errorf("imports: %w", err)
		}
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return nil, fmt.Errorf("import %d: %w", id, err)
		}
		r.ID, r.Changes = id, nil
		out = append(out, &r)
	}
	return out, rows.Err()
}
