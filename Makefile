# The two commands of the README. Both install what is missing first (scripts/setup.sh).
.PHONY: run test e2e bench bench-pages
run:  ## build and run PostPilot on SQLite, with the demo account
	scripts/run.sh
test: ## every check: fmt, clippy, Rust tests (SQLite, then PostgreSQL if TEST_DATABASE_URL), browser tests
	scripts/test.sh
e2e:  ## only the browser tests, against the last release build
	scripts/e2e.sh
bench: ## load benchmark of the post list and calendar (SQLite, then PostgreSQL when reachable)
	scripts/bench.sh
bench-pages: ## page render latency and first-visit transfer (HTML + /pkg), against a fresh release build
	scripts/bench-pages.sh
