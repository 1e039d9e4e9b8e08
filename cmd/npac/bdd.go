package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opennpac/npac/bdd"
)

// runBDD runs "npac bdd export": it downloads the NPAC's full-image BDD
// files into a directory, one file per kind, named by the NPAC's
// convention.
func runBDD(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprint(stderr, "Usage: npac bdd export --out DIR [--region R] [--kinds SV,NPB,...] [flags]\n")
		return flag.ErrHelp
	}
	names := make([]string, len(bdd.ExportKinds))
	for i, k := range bdd.ExportKinds {
		names[i] = k.String()
	}
	fs, g := newFlagSet("bdd export", "bdd export --out DIR [flags]", `
Download full-image bulk data download (BDD) files from the NPAC (the lsms
role or NPAC personnel): one file per kind in DIR, named by the NPAC's
convention, with progress on standard error. npac lsms --load FILE...
loads them into an LSMS.`, stderr)
	out := fs.String("out", "", "the `directory` to write the files to (created if missing)")
	region := fs.String("region", "", "only this NPAC `region` (default all)")
	kinds := fs.String("kinds", strings.Join(names, ","), "the `kinds` of file, comma-separated")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return fmt.Errorf("%w: give --out, the directory to write the files to", flag.ErrHelp)
	}
	var want []bdd.Kind
	for _, s := range strings.Split(*kinds, ",") {
		k, err := bdd.ParseKind(strings.TrimSpace(s))
		if err != nil {
			return flagErr("kinds", err)
		}
		want = append(want, k)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	c, err := newClient(g, stdout, stderr)
	if err != nil {
		return err
	}
	q := url.Values{}
	if *region != "" {
		q.Set("region", *region)
	}
	for _, k := range want {
		start := time.Now()
		hdr := http.Header{"Authorization": {"Bearer " + c.token}, "Accept": {"text/plain"}}
		resp, err := c.send(ctx, streamClient, http.MethodGet, "/api/v1/bdd/"+url.PathEscape(k.String()), q, nil, "", hdr)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		name := filepath.Base(resp.Header.Get("X-BDD-File-Name"))
		if name == "." || name == "" {
			resp.Body.Close()
			return fmt.Errorf("%s: the NPAC named no file", k)
		}
		path := filepath.Join(*out, name)
		n, err := saveCounted(resp.Body, path, func(lines int64) {
			fmt.Fprintf(stderr, "\r%s: %d records", name, lines)
		})
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		fmt.Fprintf(stderr, "\r%s: %d records in %s\n", name, n, time.Since(start).Round(time.Millisecond))
		fmt.Fprintln(stdout, path)
	}
	return nil
}

// saveCounted copies r to a new file at path, counting lines and calling
// progress every million; the file is written to a temporary name and
// renamed once whole.
func saveCounted(r io.Reader, path string, progress func(int64)) (int64, error) {
	tmp := path + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp)
	w := bufio.NewWriterSize(f, 1<<20)
	br := bufio.NewReaderSize(r, 1<<20)
	var lines int64
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if _, werr := w.Write(chunk); werr != nil {
				f.Close()
				return lines, werr
			}
			if chunk[len(chunk)-1] == '\n' {
				lines++
				if lines%1_000_000 == 0 {
					progress(lines)
				}
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return lines, fmt.Errorf("the download broke off: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return lines, err
	}
	if err := f.Close(); err != nil {
		return lines, err
	}
	return lines, os.Rename(tmp, path)
}
