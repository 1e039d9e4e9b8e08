#!/usr/bin/env bash
# Benchmarks of the NPAC core (docs/performance.md): full port cycles
# (create, concurring create, activate) through the service layer on SQLite
# and PostgreSQL, one client and many; the same through the HTTP API; and
# range creates. PostgreSQL benchmarks need a server (NPAC_TEST_POSTGRES,
# default the local one) and are skipped without one.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-3}
go test -run '^$' -bench 'PortCycle' -benchtime 5000x -count "$count" ./sqlite ./postgres
go test -run '^$' -bench 'PortCycleHTTP' -benchtime 5000x -count "$count" ./http
go test -run '^$' -bench 'RangeCreate' -benchtime 5x -count "$count" ./sqlite ./postgres
# Importing CNAC's whole CO code file into a fresh store (issue 4).
go test -run '^$' -bench 'ImportCNAC' -benchtime 3x -count "$count" ./sqlite ./postgres
# The TCPA batch check of 10 million numbers (issue 6).
go test -run '^$' -bench 'TCPA' -benchtime 1x -count "$count" ./sqlite ./postgres
# BDD: the file format, the LSMS load and the NPAC's export (issue 6).
go test -run '^$' -bench . -benchtime 2s ./bdd
go test -run '^$' -bench 'LoadBDD|IndexBuild' -benchtime 1000000x ./lsms
go test -run '^$' -bench ExportBDD -benchtime 3x ./sqlite ./postgres
