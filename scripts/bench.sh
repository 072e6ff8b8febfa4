#!/usr/bin/env bash
# Benchmarks (benches/api_load.rs: the busiest reads; benches/write_load.rs: 8 clients
# creating and editing 5,000 posts; benches/publishing.rs: the engine; benches/event_log.rs:
# the admin's log at a million entries; benches/media.rs: a 200 MB video upload and thumbnail
# serving) on SQLite, then on PostgreSQL when it is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench --bench api_load --bench write_load --bench publishing --bench event_log --bench media
pg_url="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  BENCH_DATABASE_URL="$pg_url" cargo bench --bench api_load --bench write_load --bench publishing --bench event_log --bench media
else
  echo "PostgreSQL not reachable on 127.0.0.1:5432: PostgreSQL run skipped"
fi
