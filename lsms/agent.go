package lsms

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/routeindex"
)

// Agent keeps an LSMS in step with the NPAC: a full image when it has
// none (or fell too far behind), then the broadcast stream, each batch of
// messages applied in one local transaction and then acknowledged. It
// answers dips from an index built from the local copy.
type Agent struct {
	// NPAC is the NPAC's base URL; Token an API token with the lsms role
	// for SPID.
	NPAC  string
	Token string
	SPID  npac.SPID
	Store *Store
	Log   *slog.Logger
	// Progress, when set, receives a progress bar during an image sync.
	Progress io.Writer
	// Client makes the HTTP requests; nil means a default client.
	Client *http.Client

	index atomic.Pointer[routeindex.Index]
	// aliases maps the old NPA-NXXs of splits in their permissive dialing
	// period to the codes they now are.
	aliases atomic.Pointer[map[npac.NPANXX]npac.NPANXX]
	synced  atomic.Bool
	applied atomic.Int64
}

// errTruncated reports that the NPAC no longer holds the messages the
// LSMS needs: it must load the full image.
var errTruncated = errors.New("the NPAC's log no longer holds what this LSMS missed")

// Resolve implements npac.Resolver from the current index. During an NPA
// split's permissive dialing period a number under the old NPA is answered
// as the same number under the new one.
func (a *Agent) Resolve(tn npac.TN) (*npac.Route, bool) {
	ix := a.index.Load()
	if ix == nil {
		return nil, false
	}
	if al := a.aliases.Load(); al != nil && len(*al) > 0 && len(tn) == 10 {
		if code, ok := (*al)[tn.NPANXX()]; ok {
			tn = npac.TN(code) + tn[6:]
		}
	}
	return ix.Resolve(tn)
}

// Ready reports whether the LSMS has completed a sync and answers dips
// from a whole copy.
func (a *Agent) Ready() bool { return a.synced.Load() }

// Applied returns the sequence number of the last message applied.
func (a *Agent) Applied() int64 { return a.applied.Load() }

// Index returns the current index (for statistics).
func (a *Agent) Index() *routeindex.Index { return a.index.Load() }

// update applies local changes to an index.
func update(ix *routeindex.Index, changes []Change) {
	var tns []routeindex.Change
	for _, c := range changes {
		switch {
		case c.TN != "":
			tns = append(tns, routeindex.Change{TN: c.TN, Route: c.Route})
		case c.Block != "" && c.Route != nil:
			ix.SetBlock(c.Block, *c.Route)
		case c.Block != "":
			ix.DeleteBlock(c.Block)
		case c.Holder != "":
			ix.SetCode(c.Code, c.Holder)
		default:
			ix.DeleteCode(c.Code)
		}
	}
	if len(tns) > 0 {
		ix.Apply(tns)
	}
}

// Load builds the index from the local copy; Run calls it first.
func (a *Agent) Load(ctx context.Context) error {
	if err := a.rebuild(ctx); err != nil {
		return err
	}
	seq, synced, err := a.Store.LastSeq(ctx)
	if err != nil {
		return err
	}
	a.applied.Store(seq)
	a.synced.Store(synced)
	return nil
}

// rebuild builds a new index and alias table from the local copy and
// swaps them in; dips go on meanwhile from the old ones.
func (a *Agent) rebuild(ctx context.Context) error {
	al, err := a.Store.Aliases(ctx)
	if err != nil {
		return err
	}
	ix := routeindex.New()
	var batch []Change
	err = a.Store.Each(ctx, func(c Change) {
		batch = append(batch, c)
		if len(batch) == 100000 {
			update(ix, batch)
			batch = batch[:0]
		}
	})
	if err != nil {
		return err
	}
	update(ix, batch)
	a.index.Store(ix)
	a.aliases.Store(&al)
	return nil
}

// splits reports whether changes include an NPA split.
func splits(changes []Change) bool {
	for _, c := range changes {
		if c.Split {
			return true
		}
	}
	return false
}

// Run syncs until ctx ends, reconnecting with backoff after failures.
func (a *Agent) Run(ctx context.Context) error {
	if err := a.Load(ctx); err != nil {
		return err
	}
	backoff := time.Second
	for ctx.Err() == nil {
		seq, synced, err := a.Store.LastSeq(ctx)
		if err == nil && !synced {
			err = a.syncImage(ctx)
			if err == nil {
				seq, _, err = a.Store.LastSeq(ctx)
			}
		}
		if err == nil {
			err = a.stream(ctx, seq)
		}
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, errTruncated):
			a.Log.Warn("fell behind the NPAC's log; loading the full image", "spid", a.SPID)
			if _, err := a.Store.BeginImage(ctx, 0); err != nil {
				return err
			}
			continue
		case err != nil:
			a.Log.Warn("sync interrupted; reconnecting", "err", err, "in", backoff)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
		if err == nil {
			backoff = time.Second
		}
	}
	return nil
}

func (a *Agent) client() *http.Client {
	if a.Client != nil {
		return a.Client
	}
	return http.DefaultClient
}

// request sends a request to the NPAC and returns the response, turning a
// problem answer into an error.
func (a *Agent) request(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.NPAC, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the NPAC at %s: %w", a.NPAC, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	var p struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&p)
	if p.Code == npac.ELogTruncated {
		return nil, errTruncated
	}
	return nil, fmt.Errorf("NPAC %s %s: %d %s (%s)", method, path, resp.StatusCode, p.Detail, p.Code)
}

// ack tells the NPAC every message up to seq is applied.
func (a *Agent) ack(ctx context.Context, seq int64) error {
	resp, err := a.request(ctx, http.MethodPost, "/api/v1/lsms/"+string(a.SPID)+"/ack", map[string]int64{"seq": seq})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// lines decodes an NDJSON body into a channel, closed at its end; the
// error, if any, follows on errc.
func lines(body io.Reader, out chan<- *npac.StreamLine, errc chan<- error) {
	defer close(out)
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var l npac.StreamLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			errc <- fmt.Errorf("stream line: %w", err)
			return
		}
		out <- &l
	}
	errc <- sc.Err()
}

// syncImage loads the full image into the local store and swaps in an
// index built from it.
func (a *Agent) syncImage(ctx context.Context) error {
	resp, err := a.request(ctx, http.MethodGet, "/api/v1/lsms/"+string(a.SPID)+"/image", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	ch, errc := make(chan *npac.StreamLine, 1024), make(chan error, 1)
	go lines(resp.Body, ch, errc)
	var (
		im    *Image
		bar   = newProgress(a.Progress)
		count int64
		ended bool
	)
	for l := range ch {
		switch {
		case l.Image != nil && !l.Image.End:
			if im, err = a.Store.BeginImage(ctx, l.Image.Head); err != nil {
				return err
			}
			bar.start(l.Image.Total)
		case l.Image != nil && l.Image.End:
			ended = true
		case l.Message != nil && im != nil:
			if err := im.Add(l.Message); err != nil {
				return err
			}
			count++
			bar.set(count)
		}
	}
	if err := <-errc; err != nil {
		return fmt.Errorf("image: %w", err)
	}
	if im == nil || !ended {
		return errors.New("image: the stream ended before the image was complete")
	}
	if err := im.Finish(); err != nil {
		return err
	}
	bar.done(count)
	if splits(im.Changes) {
		if err := a.rebuild(ctx); err != nil {
			return err
		}
	} else {
		ix := routeindex.New()
		update(ix, im.Changes)
		a.index.Store(ix)
		a.aliases.Store(&map[npac.NPANXX]npac.NPANXX{})
	}
	a.applied.Store(im.head)
	a.synced.Store(true)
	a.Log.Info("loaded the full image", "spid", a.SPID, "messages", count, "head", im.head)
	return a.ack(ctx, im.head)
}

// stallAfter is how long a stream may stay silent (heartbeats included)
// before the agent reconnects.
const stallAfter = 45 * time.Second

// stream applies the broadcast stream after seq until it fails or ctx
// ends.
func (a *Agent) stream(ctx context.Context, after int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// What was applied before a restart may not have been acknowledged.
	if after > 0 {
		if err := a.ack(ctx, after); err != nil {
			return err
		}
	}
	resp, err := a.request(ctx, http.MethodGet, "/api/v1/lsms/"+string(a.SPID)+"/stream?after="+strconv.FormatInt(after, 10), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	ch, errc := make(chan *npac.StreamLine, 4096), make(chan error, 1)
	go lines(resp.Body, ch, errc)
	stall := time.NewTimer(stallAfter)
	defer stall.Stop()
	last := after
	for {
		var first *npac.StreamLine
		select {
		case <-ctx.Done():
			return nil
		case <-stall.C:
			return errors.New("the stream went silent")
		case l, ok := <-ch:
			if !ok {
				if err := <-errc; err != nil {
					return err
				}
				return errors.New("the NPAC ended the stream")
			}
			first = l
		}
		stall.Reset(stallAfter)
		// Take whatever else has arrived, and apply it all at once.
		batch := []*npac.StreamLine{first}
	more:
		for len(batch) < 2000 {
			select {
			case l, ok := <-ch:
				if !ok {
					break more
				}
				batch = append(batch, l)
			default:
				break more
			}
		}
		var msgs []*npac.Message
		var cursor int64
		for _, l := range batch {
			if l.Message != nil {
				msgs = append(msgs, l.Message)
			}
			if l.Heartbeat != nil {
				cursor = l.Heartbeat.Cursor
			}
		}
		if len(msgs) > 0 {
			changes, seq, err := a.Store.Apply(ctx, msgs)
			if err != nil {
				return err
			}
			if splits(changes) {
				if err := a.rebuild(ctx); err != nil {
					return err
				}
			} else if ix := a.index.Load(); ix != nil {
				update(ix, changes)
			}
			a.applied.Store(seq)
			if seq > last {
				last = seq
				if err := a.ack(ctx, last); err != nil {
					return err
				}
			}
		}
		// A heartbeat's cursor covers messages meant for other LSMSs:
		// with nothing of its own in between, acknowledge up to it.
		if cursor > last && len(msgs) == 0 {
			if err := a.ack(ctx, cursor); err != nil {
				return err
			}
			last = cursor
		}
	}
}
