package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	npac "github.com/opennpac/npac"
)

// Number pool blocks. A block is created pending with an effective date;
// on that date it goes sending and is broadcast as one block record, and
// the LSMSs' acknowledgements conclude it active, partial-failure or
// failed, as for an SV. Modifications and de-pooling are broadcast the same
// way.

// mayManageBlock refuses anyone but the pooling administrator and, when
// its provider profile allows it, the block holder's SOA.
func (t *tx) mayManageBlock(holder npac.SPID) error {
	if t.actor.IsAdmin() {
		return nil
	}
	if !t.actor.CanActFor(holder) {
		return npac.Errorf(npac.EFORBIDDEN, "Only the pooling administrator (npac-admin) or the SOA of the block holder %s manages its pool blocks.", holder)
	}
	p, err := t.provider(holder)
	if err != nil {
		return err
	}
	if !p.SOABlocks {
		return npac.Errorf(npac.EFORBIDDEN, "%s's provider profile does not allow its SOA to manage pool blocks; the pooling administrator does, or can allow it (soa_blocks).", holder)
	}
	return nil
}

const blockCols = `id, data`

func scanBlock(r rowScanner) (*npac.Block, error) {
	id, b, err := scanDoc[npac.Block](r, "pool block")
	if err != nil {
		return nil, err
	}
	b.ID = id
	return b, nil
}

// liveBlock loads the block of an NPA-NXX-X that is not de-pooled, locking
// it until the transaction ends. It returns nil when there is none.
func (t *tx) liveBlock(x npac.NPANXXX) (*npac.Block, error) {
	b, err := scanBlock(t.row(`SELECT `+blockCols+` FROM blocks WHERE npanxxx = ? AND status <> 'old'`+t.s.d.ForUpdate, string(x)))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, nil
	}
	return b, err
}

// mustLiveBlock is liveBlock with a not-found error for none.
func (t *tx) mustLiveBlock(x npac.NPANXXX) (*npac.Block, error) {
	b, err := t.liveBlock(x)
	if err == nil && b == nil {
		err = npac.Errorf(npac.ENOTFOUND, "NPA-NXX-X %s is not pooled.", x)
	}
	return b, err
}

func (t *tx) blockByID(id int64) (*npac.Block, error) {
	return scanBlock(t.row(`SELECT `+blockCols+` FROM blocks WHERE id = ?`+t.s.d.ForUpdate, id))
}

func (t *tx) insertBlock(b *npac.Block) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	if err := t.row(`INSERT INTO blocks (npanxxx, spid, status, effective_date, updated_at, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		string(b.NPANXXX), string(b.SPID), string(b.Status), micros(b.EffectiveDate), micros(b.UpdatedAt), string(data)).Scan(&b.ID); err != nil {
		if t.s.d.IsUnique(err) {
			return npac.Errorf(npac.ECONFLICT, "NPA-NXX-X %s is already pooled.", b.NPANXXX)
		}
		return fmt.Errorf("insert block: %w", err)
	}
	return nil
}

func (t *tx) saveBlock(b *npac.Block) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	if _, err := t.exec(`UPDATE blocks SET status = ?, effective_date = ?, updated_at = ?, data = ? WHERE id = ?`,
		string(b.Status), micros(b.EffectiveDate), micros(b.UpdatedAt), string(data), b.ID); err != nil {
		return fmt.Errorf("save block: %w", err)
	}
	return nil
}

// servingHolder is the provider a TN with no active SV belongs to: the
// holder of its pool block when one is in effect, else the code holder.
func (t *tx) servingHolder(tn npac.TN, code *npac.CodeRecord) (npac.SPID, error) {
	b, err := scanBlock(t.row(`SELECT `+blockCols+` FROM blocks WHERE npanxxx = ? AND status <> 'old'`, string(tn.NPANXXX())))
	switch {
	case npac.ErrorCode(err) == npac.ENOTFOUND:
		return code.SPID, nil
	case err != nil:
		return "", err
	case b.InEffect():
		return b.SPID, nil
	}
	return code.SPID, nil
}

// setBlockStatus changes a block's status and tells the block holder.
func (t *tx) setBlockStatus(b *npac.Block, st npac.Status) error {
	if b.Status == st {
		return nil
	}
	old := b.Status
	b.Status, b.StatusChangedAt, b.UpdatedAt = st, t.now, t.now
	return t.notify([]*npac.Notification{{SPID: b.SPID, Kind: npac.NoticeBlockStatus, Status: st, OldStatus: old, CreatedAt: t.now,
		Message: fmt.Sprintf("Pool block %s is now %s (was %s).", b.NPANXXX, st, old),
		Data:    map[string]any{"block_id": b.ID, "npa_nxx_x": b.NPANXXX}}})
}

// broadcastBlock starts a block's broadcast of what (activate, modify or
// delete), to every LSMS that wants it or only to resendTo, and concludes
// it at once when no LSMS is a target.
func (t *tx) broadcastBlock(b *npac.Block, what string, resendTo []npac.SPID) error {
	b.Pending = what
	if err := t.setBlockStatus(b, npac.StatusSending); err != nil {
		return err
	}
	m := &npac.Message{Kind: npac.MsgBlock, Region: b.Region, Block: b.NPANXXX, BlockID: b.ID,
		ActivationTimestamp: b.ActivationTimestamp, Targets: resendTo}
	if what == "delete" {
		m.Kind = npac.MsgBlockDelete
	} else {
		m.Route = b.Route()
	}
	bc, err := t.broadcast(m, "block", b.ID)
	if err != nil {
		return err
	}
	if bc == nil {
		return t.concludeBlock(b, 0, nil)
	}
	b.Broadcast = bc
	return nil
}

// concludeBlock records a block broadcast's outcome: failed lists the SPs
// whose LSMS did not apply it, out of targets.
func (t *tx) concludeBlock(b *npac.Block, targets int, failed []npac.SPID) error {
	b.FailedSPs = append([]npac.SPID{}, failed...)
	b.Broadcast = nil
	switch {
	case targets > 0 && len(failed) >= targets:
		return t.setBlockStatus(b, npac.StatusFailed)
	case len(failed) > 0:
		return t.setBlockStatus(b, npac.StatusPartialFailure)
	case b.Pending == "delete":
		b.Pending = ""
		return t.setBlockStatus(b, npac.StatusOld)
	}
	b.Pending = ""
	return t.setBlockStatus(b, npac.StatusActive)
}

// settleBlock is settle for a block's delivery.
func (t *tx) settleBlock(id, seq int64, spid npac.SPID, failed bool) error {
	b, err := t.blockByID(id)
	if err != nil {
		return err
	}
	bc := b.Broadcast
	if bc == nil || bc.Seq != seq || !slices.Contains(bc.Pending, spid) {
		return nil // an older broadcast of the block
	}
	before := *b
	bc.Pending = slices.DeleteFunc(bc.Pending, func(x npac.SPID) bool { return x == spid })
	if failed {
		bc.Failed = append(bc.Failed, spid)
	}
	b.UpdatedAt = t.now
	if len(bc.Pending) > 0 {
		return t.saveBlock(b)
	}
	if err := t.concludeBlock(b, len(bc.Targets), bc.Failed); err != nil {
		return err
	}
	if err := t.saveBlock(b); err != nil {
		return err
	}
	return t.audit("", "block.broadcast", "block", strconv.FormatInt(b.ID, 10), &before, b)
}

// activateBlock broadcasts a pending block whose effective date has come.
func (t *tx) activateBlock(b *npac.Block) error {
	now := t.now
	b.ActivationTimestamp = &now
	return t.broadcastBlock(b, "activate", nil)
}

// CreateBlock implements npac.BlockService.
func (s *Store) CreateBlock(ctx context.Context, in *npac.BlockCreate) (*npac.Block, error) {
	var out *npac.Block
	err := s.inTx(ctx, func(t *tx) error {
		x, err := npac.ParseNPANXXX(string(in.NPANXXX))
		if err != nil {
			return err
		}
		holder, err := npac.ParseSPID(string(in.SPID))
		if err != nil {
			return err
		}
		r := in.BlockRouting
		if err := r.Validate(); err != nil {
			return err
		}
		if err := t.mayManageBlock(holder); err != nil {
			return err
		}
		code, err := t.code(x.NPANXX())
		if err != nil {
			return npac.Errorf(npac.ENPANXXNotPortable, "NPA-NXX %s is not registered in the NPAC; it must be before %s can be pooled.", x.NPANXX(), x)
		}
		if !code.Portable {
			return npac.Errorf(npac.ENPANXXNotPortable, "NPA-NXX %s is not open for porting; open it before pooling %s.", code.NPANXX, x)
		}
		if _, err := t.providerType(holder); err != nil {
			return err
		}
		if err := t.checkLRN(r.LRN, holder, code.Region); err != nil {
			return err
		}
		if prev, err := t.liveBlock(x); err != nil {
			return err
		} else if prev != nil {
			return npac.Errorf(npac.ECONFLICT, "NPA-NXX-X %s is already pooled to %s (block %d, %s).", x, prev.SPID, prev.ID, prev.Status)
		}
		var pending int
		if err := t.row(`SELECT COUNT(*) FROM svs WHERE tn >= ? AND tn <= ? AND slot = 'pending'`, string(x)+"000", string(x)+"999").Scan(&pending); err != nil {
			return fmt.Errorf("block svs: %w", err)
		}
		if pending > 0 {
			return npac.Errorf(npac.EInUse, "%d numbers of %s have pending subscription versions; pool the block once they activate or are canceled.", pending, x)
		}
		eff := in.EffectiveDate
		switch {
		case eff.IsZero():
			eff = t.now
		case eff.Before(t.now.Add(-time.Minute)):
			return npac.Errorf(npac.EINVALID, "The effective date %s is in the past; leave it out to activate the block now.", eff.UTC().Format(time.RFC3339))
		}
		b := &npac.Block{NPANXXX: x, Region: code.Region, SPID: holder, Status: npac.StatusPending, BlockRouting: r,
			EffectiveDate: eff.UTC(), FailedSPs: []npac.SPID{}, CreatedAt: t.now, UpdatedAt: t.now, StatusChangedAt: t.now}
		if err := t.insertBlock(b); err != nil {
			return err
		}
		if !eff.After(t.now) {
			if err := t.activateBlock(b); err != nil {
				return err
			}
			if err := t.saveBlock(b); err != nil {
				return err
			}
		}
		out = b
		return t.audit(holder, "block.create", "block", strconv.FormatInt(b.ID, 10), nil, b)
	})
	return out, err
}

// Block implements npac.BlockService. Blocks are network data: every
// provider may read them.
func (s *Store) Block(ctx context.Context, x npac.NPANXXX) (*npac.Block, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	b, err := scanBlock(s.db.QueryRowContext(ctx, s.q(`SELECT `+blockCols+` FROM blocks WHERE npanxxx = ? AND status <> 'old'`), string(x)))
	if npac.ErrorCode(err) == npac.ENOTFOUND {
		return nil, npac.Errorf(npac.ENOTFOUND, "NPA-NXX-X %s is not pooled.", x)
	}
	return b, err
}

// Blocks implements npac.BlockService.
func (s *Store) Blocks(ctx context.Context, f npac.BlockFilter) ([]*npac.Block, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	q := `SELECT ` + blockCols + ` FROM blocks WHERE id > ?`
	args := []any{f.After}
	if f.SPID != "" {
		q += ` AND spid = ?`
		args = append(args, string(f.SPID))
	}
	if f.NPANXX != "" {
		q += ` AND npanxxx >= ? AND npanxxx <= ?`
		args = append(args, string(f.NPANXX)+"0", string(f.NPANXX)+"9")
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	} else if !f.Old {
		q += ` AND status <> 'old'`
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit(f.Limit, 100, 1000))
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	return collect(rows, err, scanBlock)
}

// changeBlock runs one change of a live block in a transaction: it loads
// and authorizes the block (NPAC personnel only, when adminOnly), lets
// change apply itself, then saves the block and audits the action.
func (s *Store) changeBlock(ctx context.Context, x npac.NPANXXX, action string, adminOnly bool, change func(t *tx, b *npac.Block) error) (*npac.Block, error) {
	var out *npac.Block
	err := s.inTx(ctx, func(t *tx) error {
		if adminOnly {
			if err := requireAdmin(t.actor, action+" pool blocks"); err != nil {
				return err
			}
		}
		b, err := t.mustLiveBlock(x)
		if err != nil {
			return err
		}
		if !adminOnly {
			if err := t.mayManageBlock(b.SPID); err != nil {
				return err
			}
		}
		before := *b
		if err := change(t, b); err != nil {
			return err
		}
		if err := t.saveBlock(b); err != nil {
			return err
		}
		out = b
		return t.audit(b.SPID, "block."+action, "block", strconv.FormatInt(b.ID, 10), &before, b)
	})
	return out, err
}

// ModifyBlock implements npac.BlockService.
func (s *Store) ModifyBlock(ctx context.Context, x npac.NPANXXX, md npac.BlockModify) (*npac.Block, error) {
	if md == (npac.BlockModify{}) {
		return nil, npac.Errorf(npac.EINVALID, "A modify names at least one field to change.")
	}
	return s.changeBlock(ctx, x, "modify", false, func(t *tx, b *npac.Block) error {
		broadcast := false
		switch {
		case b.Status == npac.StatusPending:
		case b.Status == npac.StatusActive || b.Status == npac.StatusPartialFailure:
			if md.EffectiveDate != nil {
				return npac.Errorf(npac.EINVALID, "Block %s is already in effect; its effective date cannot move.", x)
			}
			broadcast = true
		default:
			return npac.Errorf(npac.ESVWrongStatus, "Block %s is %s; it can be modified when pending or active.", x, b.Status)
		}
		r := b.BlockRouting
		if md.LRN != nil {
			r.LRN = *md.LRN
		}
		for _, f := range []struct{ dst, src **npac.SignalingPoint }{{&r.CLASS, &md.CLASS}, {&r.LIDB, &md.LIDB}, {&r.CNAM, &md.CNAM}, {&r.ISVM, &md.ISVM}, {&r.WSMSC, &md.WSMSC}} {
			if *f.src != nil {
				if (*f.src).DPC == "" && (*f.src).SSN == nil {
					*f.dst = nil // an empty pair removes it
				} else {
					*f.dst = *f.src
				}
			}
		}
		if md.SVType != nil {
			r.SVType = *md.SVType
		}
		if md.AlternativeSPID != nil {
			r.AlternativeSPID = *md.AlternativeSPID
		}
		if err := r.Validate(); err != nil {
			return err
		}
		if r.LRN != b.LRN {
			if broadcast && r.LRN.IsPseudo() {
				return npac.Errorf(npac.EINVALID, "Block %s routes calls; it cannot switch to the pseudo-LRN, which LSMSs that did not opt in would never hear of. De-pool it first.", x)
			}
			if err := t.checkLRN(r.LRN, b.SPID, b.Region); err != nil {
				return err
			}
		}
		b.BlockRouting, b.UpdatedAt = r, t.now
		if md.EffectiveDate != nil {
			if md.EffectiveDate.Before(t.now.Add(-time.Minute)) {
				return npac.Errorf(npac.EINVALID, "The effective date %s is in the past.", md.EffectiveDate.UTC().Format(time.RFC3339))
			}
			b.EffectiveDate = md.EffectiveDate.UTC()
			if !b.EffectiveDate.After(t.now) {
				return t.activateBlock(b)
			}
		}
		if broadcast {
			return t.broadcastBlock(b, "modify", nil)
		}
		return nil
	})
}

// DeleteBlock implements npac.BlockService.
func (s *Store) DeleteBlock(ctx context.Context, x npac.NPANXXX) (*npac.Block, error) {
	return s.changeBlock(ctx, x, "delete", false, func(t *tx, b *npac.Block) error {
		switch {
		case b.Status == npac.StatusSending:
			return npac.Errorf(npac.ESVWrongStatus, "Block %s is being broadcast; de-pool it once the broadcast concludes.", x)
		case b.ActivationTimestamp == nil:
			// Never broadcast: no LSMS holds it.
			b.Pending = ""
			return t.setBlockStatus(b, npac.StatusOld)
		}
		return t.broadcastBlock(b, "delete", nil)
	})
}

// ResendBlock implements npac.BlockService.
func (s *Store) ResendBlock(ctx context.Context, x npac.NPANXXX) (*npac.Block, error) {
	return s.changeBlock(ctx, x, "resend", true, func(t *tx, b *npac.Block) error {
		if (b.Status != npac.StatusFailed && b.Status != npac.StatusPartialFailure) || len(b.FailedSPs) == 0 {
			return npac.Errorf(npac.ESVWrongStatus, "Block %s is %s; only a failed or partially failed broadcast is resent.", x, b.Status)
		}
		return t.broadcastBlock(b, b.Pending, slices.Clone(b.FailedSPs))
	})
}

// ActivateDueBlocks implements npac.BlockService.
func (s *Store) ActivateDueBlocks(ctx context.Context, now time.Time, limit int) (int, error) {
	ctx = npac.NewContext(ctx, npac.SystemActor)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id FROM blocks WHERE status = 'pending' AND effective_date <= ? ORDER BY effective_date LIMIT ?`), micros(now), limit)
	ids, err := collect(rows, err, scanID)
	if err != nil {
		return 0, fmt.Errorf("due blocks: %w", err)
	}
	n := 0
	var errs []error
	for _, id := range ids {
		err := s.inTx(ctx, func(t *tx) error {
			b, err := t.blockByID(id)
			if err != nil {
				return err
			}
			if b.Status != npac.StatusPending || b.EffectiveDate.After(t.now) {
				return nil // changed meanwhile
			}
			before := *b
			if err := t.activateBlock(b); err != nil {
				return err
			}
			if err := t.saveBlock(b); err != nil {
				return err
			}
			n++
			return t.audit("", "block.activate", "block", strconv.FormatInt(b.ID, 10), &before, b)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("block %d: %w", id, err))
		}
	}
	return n, errors.Join(errs...)
}
