package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/outbound"
)

// Endpoints of providers' notification streams (webhooks and email), with
// the delivery state the outbound worker keeps in them.

// endpointData is the JSON part of an endpoint row.
type endpointData struct {
	URL   string            `json:"url,omitempty"`
	To    []string          `json:"to,omitempty"`
	Kinds []npac.NoticeKind `json:"kinds,omitempty"`
}

const endpointCols = `id, spid, kind, secret, cursor, failing, next_attempt, attempts, last_error, data, created_at`

func scanEndpoint(r rowScanner) (*outbound.Endpoint, error) {
	var (
		ep      outbound.Endpoint
		next    sql.NullInt64
		data    string
		created int64
	)
	if err := r.Scan(&ep.ID, &ep.SPID, &ep.Kind, &ep.Secret, &ep.Cursor, &ep.Failing, &next, &ep.Attempts, &ep.LastError, &data, &created); errors.Is(err, sql.ErrNoRows) {
		return nil, npac.Errorf(npac.ENOTFOUND, "No such endpoint.")
	} else if err != nil {
		return nil, fmt.Errorf("scan endpoint: %w", err)
	}
	var d endpointData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return nil, fmt.Errorf("endpoint data: %w", err)
	}
	ep.URL, ep.To, ep.Kinds = d.URL, d.To, d.Kinds
	if next.Valid {
		ep.NextAttempt = fromMicros(next.Int64)
	}
	ep.CreatedAt = fromMicros(created)
	return &ep, nil
}

func (t *tx) endpoint(id int64) (*outbound.Endpoint, error) {
	ep, err := scanEndpoint(t.row(`SELECT `+endpointCols+` FROM endpoints WHERE id = ?`+t.s.d.ForUpdate, id))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "There is no endpoint %d.", id)
	}
	if err == nil {
		err = mayManage(t.actor, ep.SPID)
	}
	return ep, err
}

// saveEndpoint writes an endpoint's definition and clears its failure
// state.
func (t *tx) saveEndpoint(ep *outbound.Endpoint) error {
	data, err := json.Marshal(endpointData{ep.URL, ep.To, ep.Kinds})
	if err != nil {
		return err
	}
	ep.Failing, ep.NextAttempt, ep.Attempts, ep.LastError = false, time.Time{}, 0, ""
	if _, err := t.exec(`UPDATE endpoints SET secret = ?, cursor = ?, failing = ?, next_attempt = NULL, attempts = 0, last_error = '', data = ? WHERE id = ?`,
		ep.Secret, ep.Cursor, false, string(data), ep.ID); err != nil {
		return fmt.Errorf("save endpoint: %w", err)
	}
	return nil
}

// CreateEndpoint implements outbound.EndpointService.
func (s *Store) CreateEndpoint(ctx context.Context, ep *outbound.Endpoint) error {
	return s.inTx(ctx, func(t *tx) error {
		spid, err := npac.ParseSPID(string(ep.SPID))
		if err != nil {
			return err
		}
		ep.SPID = spid
		if err := mayManage(t.actor, spid); err != nil {
			return err
		}
		if _, err := t.providerType(spid); err != nil {
			return err
		}
		if err := ep.Validate(); err != nil {
			return err
		}
		// An endpoint starts with what comes next, not the whole history;
		// a replay delivers older notifications.
		var last sql.NullInt64
		if err := t.row(`SELECT last FROM notify_seq WHERE spid = ?`, string(spid)).Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("endpoint cursor: %w", err)
		}
		ep.Cursor, ep.Failing, ep.NextAttempt, ep.Attempts, ep.LastError, ep.CreatedAt = last.Int64, false, time.Time{}, 0, "", t.now
		data, err := json.Marshal(endpointData{ep.URL, ep.To, ep.Kinds})
		if err != nil {
			return err
		}
		if err := t.row(`INSERT INTO endpoints (spid, kind, secret, cursor, failing, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			string(spid), ep.Kind, ep.Secret, ep.Cursor, false, string(data), micros(t.now)).Scan(&ep.ID); err != nil {
			return fmt.Errorf("insert endpoint: %w", err)
		}
		return t.audit(spid, "endpoint.create", "endpoint", strconv.FormatInt(ep.ID, 10), nil, ep)
	})
}

// Endpoints implements outbound.EndpointService.
func (s *Store) Endpoints(ctx context.Context, spid npac.SPID) ([]*outbound.Endpoint, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.CanRead(spid) {
		return nil, npac.Errorf(npac.EFORBIDDEN, "You may read only your own providers' endpoints, not %s's.", spid)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+endpointCols+` FROM endpoints WHERE spid = ? ORDER BY id`), string(spid))
	return collect(rows, err, scanEndpoint)
}

// Endpoint implements outbound.EndpointService.
func (s *Store) Endpoint(ctx context.Context, id int64) (*outbound.Endpoint, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	ep, err := scanEndpoint(s.db.QueryRowContext(ctx, s.q(`SELECT `+endpointCols+` FROM endpoints WHERE id = ?`), id))
	if npac.ErrorCode(err) == npac.ENOTFOUND || (err == nil && !a.CanRead(ep.SPID)) {
		return nil, npac.Errorf(npac.ENOTFOUND, "There is no endpoint %d.", id)
	}
	return ep, err
}

// changeEndpoint loads an endpoint the actor manages, lets change apply
// itself, then saves and audits it.
func (s *Store) changeEndpoint(ctx context.Context, id int64, action string, change func(t *tx, ep *outbound.Endpoint) error) (*outbound.Endpoint, error) {
	var out *outbound.Endpoint
	err := s.inTx(ctx, func(t *tx) error {
		ep, err := t.endpoint(id)
		if err != nil {
			return err
		}
		before := *ep
		if err := change(t, ep); err != nil {
			return err
		}
		if err := t.saveEndpoint(ep); err != nil {
			return err
		}
		out = ep
		return t.audit(ep.SPID, "endpoint."+action, "endpoint", strconv.FormatInt(id, 10), &before, ep)
	})
	return out, err
}

// UpdateEndpoint implements outbound.EndpointService.
func (s *Store) UpdateEndpoint(ctx context.Context, id int64, upd outbound.EndpointUpdate) (*outbound.Endpoint, error) {
	return s.changeEndpoint(ctx, id, "update", func(t *tx, ep *outbound.Endpoint) error {
		if upd.URL != nil {
			ep.URL = *upd.URL
		}
		if upd.To != nil {
			ep.To = *upd.To
		}
		if upd.Kinds != nil {
			ep.Kinds = *upd.Kinds
		}
		if upd.RotateSecret {
			if ep.Kind != outbound.KindWebhook {
				return npac.Errorf(npac.EINVALID, "Only a webhook has a secret to rotate.")
			}
			ep.Secret = outbound.NewSecret()
		}
		return ep.Validate()
	})
}

// DeleteEndpoint implements outbound.EndpointService.
func (s *Store) DeleteEndpoint(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(t *tx) error {
		ep, err := t.endpoint(id)
		if err != nil {
			return err
		}
		if _, err := t.exec(`DELETE FROM endpoints WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete endpoint: %w", err)
		}
		return t.audit(ep.SPID, "endpoint.delete", "endpoint", strconv.FormatInt(id, 10), ep, nil)
	})
}

// ReplayEndpoint implements outbound.EndpointService.
func (s *Store) ReplayEndpoint(ctx context.Context, id int64, from int64) (*outbound.Endpoint, error) {
	if from < 1 {
		return nil, npac.Errorf(npac.EINVALID, "Replay from a sequence number of 1 or more; %d is not one.", from)
	}
	return s.changeEndpoint(ctx, id, "replay", func(t *tx, ep *outbound.Endpoint) error {
		ep.Cursor = from - 1
		return nil
	})
}

// Outbound returns the store as the outbound worker's store: it reads
// every provider's endpoints and notifications as the system.
func (s *Store) Outbound() outbound.Store { return outboundStore{s} }

type outboundStore struct{ s *Store }

func (o outboundStore) Endpoints(ctx context.Context) ([]*outbound.Endpoint, error) {
	rows, err := o.s.db.QueryContext(ctx, `SELECT `+endpointCols+` FROM endpoints ORDER BY id`)
	return collect(rows, err, scanEndpoint)
}

func (o outboundStore) Notifications(ctx context.Context, spid npac.SPID, after int64, limit int) ([]*npac.Notification, error) {
	return o.s.Notifications(npac.NewContext(ctx, npac.SystemActor), spid, after, limit)
}

// Delivered and Failed write only the delivery state, leaving an endpoint
// that was changed or deleted meanwhile as it is.
func (o outboundStore) Delivered(ctx context.Context, id int64, seq int64) error {
	_, err := o.s.db.ExecContext(ctx, o.s.q(`UPDATE endpoints SET cursor = ?, failing = ?, next_attempt = NULL, attempts = 0, last_error = '' WHERE id = ? AND cursor < ?`),
		seq, false, id, seq)
	return err
}

func (o outboundStore) Failed(ctx context.Context, id int64, attempts int, next time.Time, errText string, permanent bool) error {
	var at any
	if !permanent && !next.IsZero() {
		at = micros(next)
	}
	_, err := o.s.db.ExecContext(ctx, o.s.q(`UPDATE endpoints SET failing = ?, next_attempt = ?, attempts = ?, last_error = ? WHERE id = ?`),
		true, at, attempts, errText, id)
	return err
}
