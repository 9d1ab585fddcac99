# Auric — the commands a developer and CI use. See README.md.
.PHONY: demo test bench lint format

demo:  ## set up and serve the demo shop on SQLite with demo data
	scripts/demo.sh

test:  ## the whole suite on SQLite and PostgreSQL, with browser tests
	scripts/test.sh

bench:  ## scaled catalog on PostgreSQL, gunicorn, locust; writes docs/BENCHMARKS.md
	scripts/bench.sh

lint:
	scripts/venv.sh dev && .venv/bin/ruff check . && .venv/bin/mypy auric

format:
	scripts/venv.sh dev && .venv/bin/ruff format . && .venv/bin/ruff check --fix .
