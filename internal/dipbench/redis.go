package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/opennpac/npac"
)

// Redis layout: one string key per ported TN, "dipbench:NPANXXXXXX", and
// one per code, "dipbench:c:NPANXX", each holding the route as JSON. A
// dip GETs the TN's key and, when it is missing (the TN is not ported),
// the code's key: two round trips for not-ported TNs, as a plain
// key-value design needs.
const redisPrefix = "dipbench:"

// redisStore is the loaded Redis baseline.
type redisStore struct {
	rdb   *redis.Client
	load  time.Duration
	bytes int64 // used_memory added by the load
}

func openRedis(ctx context.Context, addr string, conc int) (*redis.Client, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: conc, MinIdleConns: conc})
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s: %w", addr, err)
	}
	return rdb, nil
}

// redisUsedMemory returns INFO memory's used_memory.
func redisUsedMemory(ctx context.Context, rdb *redis.Client) (int64, error) {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, errors.New("INFO memory has no used_memory")
}

// redisVersion returns INFO server's redis_version.
func redisVersion(ctx context.Context, rdb *redis.Client) (string, error) {
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
			return v, nil
		}
	}
	return "", errors.New("INFO server has no redis_version")
}

// redisCleanup deletes every key under redisPrefix (SCAN and UNLINK; never
// FLUSH) and returns how many it deleted.
func redisCleanup(ctx context.Context, rdb *redis.Client) (int, error) {
	n := 0
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, redisPrefix+"*", 10000).Result()
		if err != nil {
			return n, err
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return n, err
			}
			n += len(keys)
		}
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
}

// loadRedis writes d with pipelined SETs, 10,000 per round trip.
func loadRedis(ctx context.Context, rdb *redis.Client, d *dataSet) (*redisStore, error) {
	if n, err := redisCleanup(ctx, rdb); err != nil {
		return nil, err
	} else if n > 0 {
		logf("redis: deleted %d keys left by an earlier run", n)
	}
	before, err := redisUsedMemory(ctx, rdb)
	if err != nil {
		return nil, err
	}
	routeJSON := make([][]byte, len(d.routes))
	for i, r := range d.routes {
		routeJSON[i], _ = json.Marshal(r)
	}
	start := time.Now()
	const batch = 10000
	pipe := rdb.Pipeline()
	flush := func() error {
		if pipe.Len() == 0 {
			return nil
		}
		_, err := pipe.Exec(ctx)
		return err
	}
	for i, c := range d.codes {
		v, _ := json.Marshal(d.holders[i])
		pipe.Set(ctx, redisPrefix+"c:"+string(codeString(c)), v, 0)
	}
	var buf []byte
	for i, tn := range d.tns {
		buf = appendTN(append(buf[:0], redisPrefix...), tn)
		pipe.Set(ctx, string(buf), routeJSON[d.tnRoute[i]], 0)
		if pipe.Len() >= batch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	load := time.Since(start)
	after, err := redisUsedMemory(ctx, rdb)
	if err != nil {
		return nil, err
	}
	return &redisStore{rdb: rdb, load: load, bytes: after - before}, nil
}

// redisClient dips with GETs on the shared go-redis pool.
type redisClient struct {
	ctx context.Context
	rdb *redis.Client
}

func (c *redisClient) Dip(tn npac.TN) (*npac.Route, error) {
	b, err := c.rdb.Get(c.ctx, redisPrefix+string(tn)).Bytes()
	if err == redis.Nil {
		b, err = c.rdb.Get(c.ctx, redisPrefix+"c:"+string(tn[:6])).Bytes()
	}
	if err != nil {
		return nil, err
	}
	r := &npac.Route{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, err
	}
	return r, nil
}

func (c *redisClient) Close() error { return nil }
