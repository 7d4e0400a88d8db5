# voxspec: `make generate` sets up .venv and renders generated/; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.voxspec-installed

.PHONY: generate test check fmt lint typecheck clean docs bench-mock soak-mock

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

generate: $(STAMP)
	$(BIN)/voxspec generate

docs: $(STAMP)
	$(BIN)/voxspec docs

# pytest exits 5 when it collects nothing; that is not a failure of the suite.
# Schemathesis gives every operation of a vendor the same node id, which pytest-xdist
# would collapse into one test, so the contract fuzzing runs in its own serial session.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --ignore=tests/contract; status=$$?; \
	  if [ $$status -ne 0 ] && [ $$status -ne 5 ]; then exit $$status; fi
	$(BIN)/python -m pytest -q -s tests/contract; status=$$?; if [ $$status -eq 5 ]; then exit 0; else exit $$status; fi

lint: $(STAMP)
	$(BIN)/ruff check generator tests
	cd generated && for d in */; do (cd $$d && ../../$(BIN)/ruff check --quiet .) || exit 1; done

typecheck: $(STAMP)
	$(BIN)/mypy generator tests
	cd generated && for d in */; do (cd $$d && ../../$(BIN)/mypy --strict --no-incremental $$(ls -d voxspec_*)) || exit 1; done

check: $(STAMP)
	$(BIN)/voxspec check
	$(MAKE) --no-print-directory lint typecheck

fmt: $(STAMP)
	$(BIN)/ruff format generator tests
	$(BIN)/ruff check --fix generator tests

# The peer tool (Prism) installs into the gitignored .bench/; wrk comes from Debian when we may install it,
# else the bench loads both servers with an async httpx loop.
PRISM := .bench/node_modules/.bin/prism
$(PRISM):
	mkdir -p .bench && npm install --prefix .bench --no-audit --no-fund --silent @stoplight/prism-cli@5.14.2

bench-mock: $(STAMP) $(PRISM)
	command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 || echo "bench-mock: no wrk; using the httpx load loop"
	$(BIN)/python bench/bench_mock.py

# 60 s of create/read/list against two workers sharing SQLite state: zero errors, everything created is listed.
soak-mock: $(STAMP)
	$(BIN)/python bench/bench_mock.py --soak 60

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .bench
