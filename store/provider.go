package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	npac "github.com/opennpac/npac"
)

// providerData is the JSON part of a provider row.
type providerData struct {
	Regions      []npac.Region  `json:"regions"`
	Contacts     []npac.Contact `json:"contacts"`
	SOABlocks    bool           `json:"soa_blocks,omitempty"`
	Origin       string         `json:"origin,omitempty"`
	AutoActivate bool           `json:"auto_activate,omitempty"`
}

func dataOf(p *npac.Provider) providerData {
	return providerData{p.Regions, p.Contacts, p.SOABlocks, p.Origin, p.AutoActivate}
}

// CreateProvider implements npac.ProviderService.
func (s *Store) CreateProvider(ctx context.Context, p *npac.Provider) error {
	return s.inTx(ctx, func(t *tx) error {
		if err := requireAdmin(t.actor, "register providers"); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		p.Origin = "" // only an import marks its providers
		if _, err := t.provider(p.SPID); err == nil {
			return npac.Errorf(npac.ECONFLICT, "SPID %s is already registered.", p.SPID)
		} else if npac.ErrorCode(err) != npac.ENOTFOUND {
			return err
		}
		p.CreatedAt, p.UpdatedAt = t.now, t.now
		if p.Contacts == nil {
			p.Contacts = []npac.Contact{}
		}
		data, err := json.Marshal(dataOf(p))
		if err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO providers (spid, name, type, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			string(p.SPID), p.Name, string(p.Type), string(data), micros(t.now), micros(t.now)); err != nil {
			return fmt.Errorf("insert provider: %w", err)
		}
		if err := t.setBureaus(p.SPID, p.Bureaus); err != nil {
			return err
		}
		return t.audit(p.SPID, "provider.create", "provider", string(p.SPID), nil, p)
	})
}

// setBureaus replaces the bureaus a provider authorized.
func (t *tx) setBureaus(spid npac.SPID, bureaus []npac.SPID) error {
	if _, err := t.exec(`DELETE FROM bureau_authorizations WHERE client_spid = ?`, string(spid)); err != nil {
		return fmt.Errorf("bureaus: %w", err)
	}
	for _, b := range bureaus {
		bp, err := t.provider(b)
		if err != nil {
			return npac.Errorf(npac.ENOTFOUND, "Service bureau %s is not a registered provider.", b)
		}
		if bp.Type != npac.ProviderServiceBureau {
			return npac.Errorf(npac.EINVALID, "%s is a %s provider, not a service bureau.", b, bp.Type)
		}
		if _, err := t.exec(`INSERT INTO bureau_authorizations (client_spid, bureau_spid) VALUES (?, ?) ON CONFLICT DO NOTHING`, string(spid), string(b)); err != nil {
			return fmt.Errorf("bureaus: %w", err)
		}
	}
	return nil
}

// provider loads one provider in the transaction.
func (t *tx) provider(spid npac.SPID) (*npac.Provider, error) {
	return scanProvider(t.row(`SELECT spid, name, type, data, created_at, updated_at FROM providers WHERE spid = ?`, string(spid)), t.bureaus)
}

type rowScanner interface{ Scan(...any) error }

func scanProvider(r rowScanner, bureaus func(npac.SPID) ([]npac.SPID, error)) (*npac.Provider, error) {
	var (
		p            npac.Provider
		data         string
		created, upd int64
	)
	if err := r.Scan(&p.SPID, &p.Name, &p.Type, &data, &created, &upd); errors.Is(err, sql.ErrNoRows) {
		return nil, npac.Errorf(npac.ENOTFOUND, "No provider has that SPID.")
	} else if err != nil {
		return nil, fmt.Errorf("scan provider: %w", err)
	}
	var d providerData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return nil, fmt.Errorf("provider %s data: %w", p.SPID, err)
	}
	p.Regions, p.Contacts, p.SOABlocks, p.Origin, p.AutoActivate = d.Regions, d.Contacts, d.SOABlocks, d.Origin, d.AutoActivate
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(upd)
	var err error
	if p.Bureaus, err = bureaus(p.SPID); err != nil {
		return nil, err
	}
	return &p, nil
}

// providerType returns a provider's type, or not-found.
func (t *tx) providerType(spid npac.SPID) (npac.ProviderType, error) {
	var typ npac.ProviderType
	err := t.row(`SELECT type FROM providers WHERE spid = ?`, string(spid)).Scan(&typ)
	if errors.Is(err, sql.ErrNoRows) {
		return "", npac.Errorf(npac.ENOTFOUND, "Provider %s is not registered in the NPAC.", spid)
	} else if err != nil {
		return "", fmt.Errorf("provider: %w", err)
	}
	return typ, nil
}

func (t *tx) bureaus(spid npac.SPID) ([]npac.SPID, error) {
	return collectSPIDs(t.query(`SELECT bureau_spid FROM bureau_authorizations WHERE client_spid = ? ORDER BY bureau_spid`, string(spid)))
}

func (s *Store) bureaus(ctx context.Context, spid npac.SPID) ([]npac.SPID, error) {
	return collectSPIDs(s.db.QueryContext(ctx, s.q(`SELECT bureau_spid FROM bureau_authorizations WHERE client_spid = ? ORDER BY bureau_spid`), string(spid)))
}

func collectSPIDs(rows *sql.Rows, err error) ([]npac.SPID, error) {
	if err != nil {
		return nil, fmt.Errorf("query spids: %w", err)
	}
	defer rows.Close()
	out := []npac.SPID{}
	for rows.Next() {
		var s npac.SPID
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("scan spid: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Provider implements npac.ProviderService.
func (s *Store) Provider(ctx context.Context, spid npac.SPID) (*npac.Provider, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	p, err := scanProvider(s.db.QueryRowContext(ctx, s.q(`SELECT spid, name, type, data, created_at, updated_at FROM providers WHERE spid = ?`), string(spid)),
		func(sp npac.SPID) ([]npac.SPID, error) { return s.bureaus(ctx, sp) })
	if err != nil && npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "No provider has SPID %s.", spid)
	}
	return p, err
}

// Providers implements npac.ProviderService.
func (s *Store) Providers(ctx context.Context) ([]*npac.Provider, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT spid, name, type, data, created_at, updated_at FROM providers ORDER BY spid`)
	if err != nil {
		return nil, fmt.Errorf("providers: %w", err)
	}
	var out []*npac.Provider
	for rows.Next() {
		p, err := scanProvider(rows, func(npac.SPID) ([]npac.SPID, error) { return nil, nil })
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range out {
		if p.Bureaus, err = s.bureaus(ctx, p.SPID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateProvider implements npac.ProviderService.
func (s *Store) UpdateProvider(ctx context.Context, spid npac.SPID, upd npac.ProviderUpdate) (*npac.Provider, error) {
	var out *npac.Provider
	err := s.inTx(ctx, func(t *tx) error {
		if !t.actor.IsAdmin() {
			if !t.actor.Has(npac.RoleSOA, spid) {
				return npac.Errorf(npac.EFORBIDDEN, "You may change only your own provider's record.")
			}
			if upd.Name != nil || upd.Regions != nil || upd.SOABlocks != nil {
				return npac.Errorf(npac.EFORBIDDEN, "A provider's name, regions and soa_blocks are changed by NPAC personnel; you may change contacts and bureaus.")
			}
		}
		p, err := t.provider(spid)
		if err != nil {
			return err
		}
		before := *p
		if upd.Name != nil {
			p.Name = *upd.Name
		}
		if upd.Regions != nil {
			p.Regions = *upd.Regions
		}
		if upd.Contacts != nil {
			p.Contacts = *upd.Contacts
		}
		if upd.Bureaus != nil {
			p.Bureaus = *upd.Bureaus
		}
		if upd.SOABlocks != nil {
			p.SOABlocks = *upd.SOABlocks
		}
		if upd.AutoActivate != nil {
			p.AutoActivate = *upd.AutoActivate
		}
		if err := p.Validate(); err != nil {
			return err
		}
		p.UpdatedAt = t.now
		data, err := json.Marshal(dataOf(p))
		if err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE providers SET name = ?, data = ?, updated_at = ? WHERE spid = ?`, p.Name, string(data), micros(t.now), string(spid)); err != nil {
			return fmt.Errorf("update provider: %w", err)
		}
		if upd.Bureaus != nil {
			if err := t.setBureaus(spid, p.Bureaus); err != nil {
				return err
			}
		}
		if p.AutoActivate != before.AutoActivate {
			if err := t.rescheduleFOC(spid); err != nil {
				return err
			}
		}
		out = p
		return t.audit(spid, "provider.update", "provider", string(spid), before, p)
	})
	return out, err
}
