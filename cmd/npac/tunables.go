package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	npac "github.com/opennpac/npac"
)

// tunablesFile is the JSON form of the tunables, with durations written as
// Go durations ("9h", "30m") and times of day as "HH:MM". Fields left out
// keep their defaults.
type tunablesFile struct {
	Timers map[npac.TimerType]struct {
		T1                      string `json:"t1"`
		T2                      string `json:"t2"`
		CancelInitial           string `json:"cancel_initial"`
		CancelFinal             string `json:"cancel_final"`
		ConflictRestriction     string `json:"conflict_restriction"`
		ConflictResolutionNewSP string `json:"conflict_resolution_new_sp"`
	} `json:"timers"`
	BusinessStart      string `json:"business_start"`
	Weekends           *bool  `json:"weekends"`
	BusinessEnd        string `json:"business_end"`
	ConflictExpiration string `json:"conflict_expiration"`
	PendingPurge       string `json:"pending_purge"`
	BroadcastRetries   *int   `json:"broadcast_retries"`
	BroadcastInterval  string `json:"broadcast_interval"`
	LogRetention       string `json:"log_retention"`
}

// loadTunables reads a tunables file over t.
func loadTunables(path string, t *npac.Tunables) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("tunables: %w", err)
	}
	var f tunablesFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("tunables %s: %w", path, err)
	}
	set := func(dst *time.Duration, v, name string, clock bool) error {
		if v == "" {
			return nil
		}
		var d time.Duration
		var err error
		if clock {
			var tod time.Time
			tod, err = time.Parse("15:04", v)
			d = time.Duration(tod.Hour())*time.Hour + time.Duration(tod.Minute())*time.Minute
			if v == "24:00" {
				d, err = 24*time.Hour, nil
			}
		} else {
			d, err = time.ParseDuration(v)
		}
		if err != nil || d < 0 {
			return fmt.Errorf("tunables %s: %s is %q; give a %s", path, name, v, map[bool]string{true: "time of day HH:MM", false: "duration such as 9h"}[clock])
		}
		*dst = d
		return nil
	}
	for tt, ts := range f.Timers {
		if !tt.Valid() {
			return fmt.Errorf("tunables %s: timer type %q is unknown: use short, medium or long", path, tt)
		}
		cur := t.Timers[tt]
		for _, x := range []struct {
			dst   *time.Duration
			v     string
			name  string
			clock bool
		}{
			{&cur.T1, ts.T1, "t1", false}, {&cur.T2, ts.T2, "t2", false},
			{&cur.CancelInitial, ts.CancelInitial, "cancel_initial", false}, {&cur.CancelFinal, ts.CancelFinal, "cancel_final", false},
			{&cur.ConflictRestriction, ts.ConflictRestriction, "conflict_restriction", true},
			{&cur.ConflictResolutionNewSP, ts.ConflictResolutionNewSP, "conflict_resolution_new_sp", false},
		} {
			if err := set(x.dst, x.v, string(tt)+"."+x.name, x.clock); err != nil {
				return err
			}
		}
		t.Timers[tt] = cur
	}
	if f.Weekends != nil {
		t.Weekends = *f.Weekends
	}
	if err := set(&t.BusinessStart, f.BusinessStart, "business_start", true); err != nil {
		return err
	}
	if err := set(&t.BusinessEnd, f.BusinessEnd, "business_end", true); err != nil {
		return err
	}
	if err := set(&t.ConflictExpiration, f.ConflictExpiration, "conflict_expiration", false); err != nil {
		return err
	}
	if f.BroadcastRetries != nil {
		if *f.BroadcastRetries < 1 {
			return fmt.Errorf("tunables %s: broadcast_retries is %d; give at least 1", path, *f.BroadcastRetries)
		}
		t.BroadcastRetries = *f.BroadcastRetries
	}
	if err := set(&t.BroadcastInterval, f.BroadcastInterval, "broadcast_interval", false); err != nil {
		return err
	}
	if err := set(&t.LogRetention, f.LogRetention, "log_retention", false); err != nil {
		return err
	}
	return set(&t.PendingPurge, f.PendingPurge, "pending_purge", false)
}
