# voxspec: `make generate` sets up .venv and renders generated/; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.voxspec-installed
# An editable install compiles no bytecode (pip compiles an installed package's), and where PYTHONDONTWRITEBYTECODE
# is set nothing ever does: every run would compile generator/ from source again, 0.13 s of start-up. This writes
# the .pyc files once; it checks and skips up-to-date ones in about 0.05 s.
BYTECODE := $(BIN)/python -m compileall -q generator

.PHONY: generate test gates check fmt lint typecheck clean docs browser bench bench-generate bench-peers bench-client bench-docs bench-mock bench-diff bench-proxy release soak-mock

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

generate: $(STAMP)
	@$(BYTECODE)
	$(BIN)/voxspec generate

docs: $(STAMP)
	$(BIN)/voxspec docs

# The docs tests open the site in Debian's headless Chromium; install it when it is missing
# (needs root or sudo, as on CI machines).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the docs browser tests"; \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# pytest exits 5 when it collects nothing; that is not a failure of the suite.
# Schemathesis gives every operation of a vendor the same node id, which pytest-xdist
# would collapse into one test, so the contract fuzzing runs in its own serial session.
test: $(STAMP) browser gates
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup --ignore=tests/contract; status=$$?; \
	  if [ $$status -ne 0 ] && [ $$status -ne 5 ]; then exit $$status; fi
	$(BIN)/python -m pytest -q -s tests/contract; status=$$?; if [ $$status -eq 5 ]; then exit 0; else exit $$status; fi

# What a reviewer would check before reading a line, run before the tests: every spec validates and lints clean,
# generated/ is what the specs render to, and renders to the same bytes under two hash seeds in two separate
# processes (so no set or dict order leaks into output), and ruff and mypy --strict pass on the toolkit and on
# every generated package.
gates: $(STAMP)
	PYTHONHASHSEED=1 $(BIN)/voxspec check
	PYTHONHASHSEED=2 $(BIN)/voxspec generate --check
	$(MAKE) --no-print-directory lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check generator tests bench
	cd generated && for d in */; do (cd $$d && ../../$(BIN)/ruff check --quiet .) || exit 1; done

typecheck: $(STAMP)
	$(BIN)/mypy generator tests bench
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

# The latency `voxspec proxy` adds per request against Prism's proxy, same target and requests, one run.
bench-proxy: $(STAMP) $(PRISM)
	$(BIN)/python bench/bench_proxy.py

# 60 s of create/read/list against two workers sharing SQLite state (zero errors, everything created is listed),
# then 60 s of racing writers on one record: zero lost updates, zero resurrected deletes.
soak-mock: $(STAMP)
	$(BIN)/python bench/bench_mock.py --soak 60

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .bench .voxspec

# Benchmarks against peer tools (bench/bench_*.py, each printing medians and ratios). Each peer gets its own
# virtualenv under .bench/: fastapi-code-generator pins an older datamodel-code-generator than ours.
BENCH_PEERS := openapi-python-client==0.29.1 fastapi-code-generator==0.8.1

bench-peers:
	@for peer in $(BENCH_PEERS); do \
	  name=$${peer%%==*}; env=.bench/$$name; \
	  if [ ! -f "$$env/.installed-$$peer" ]; then \
	    echo "bench: installing $$peer into $$env"; rm -rf "$$env" && $(PYTHON) -m venv "$$env" && \
	    "$$env/bin/python" -m pip install --quiet "$$peer" && touch "$$env/.installed-$$peer" || exit 1; \
	  fi; \
	done

# Every benchmark, one after another, each printing its medians and ratios; fails at the end if any
# benchmark missed its target, after all of them have run.
BENCHES := bench-generate bench-client bench-docs bench-mock bench-diff
bench: $(STAMP)
	@status=0; for b in $(BENCHES); do $(MAKE) --no-print-directory $$b || status=1; done; exit $$status

bench-generate: $(STAMP) bench-peers
	@$(BYTECODE)
	$(BIN)/python bench/bench_generate.py

# The openapi-python-client package the client benchmark calls, generated from the same VoIPcloud spec.
.bench/opc_voipcloud/client.py: specs/voipcloud/openapi.yaml | bench-peers
	rm -rf .bench/opc_voipcloud
	cd .bench && openapi-python-client/bin/openapi-python-client generate --path ../specs/voipcloud/openapi.yaml \
	  --output-path opc_voipcloud --meta none > opc-generate.log 2>&1 || (cat opc-generate.log; exit 1)

# Runs in the peer's venv, which has what both clients import (httpx, pydantic, attrs, dateutil).
bench-client: $(STAMP) .bench/opc_voipcloud/client.py
	.bench/openapi-python-client/bin/python bench/bench_client.py --opc .bench/opc_voipcloud

# Redocly's docs builder, the peer of `voxspec docs`, from the npm registry.
REDOCLY_VERSION := 2.77.0
.bench/redocly/.installed-$(REDOCLY_VERSION):
	rm -rf .bench/redocly && mkdir -p .bench/redocly
	npm install --silent --no-audit --no-fund --prefix .bench/redocly '@redocly/cli@$(REDOCLY_VERSION)'
	touch $@

bench-docs: $(STAMP) .bench/redocly/.installed-$(REDOCLY_VERSION)
	$(BIN)/python bench/bench_docs.py

# `voxspec diff` of two ~7,000-line specs (oldest committed Avaya and Telphin specs against the working tree): < 1 s.
bench-diff: $(STAMP)
	$(BIN)/python bench/bench_diff.py

# sdist + wheel of one generated package into dist/, then the wheel installed in a clean venv, imported, its mock
# started in-process and one operation called. Nothing is uploaded.
release: $(STAMP)
	@test -n "$(VENDOR)" || { echo "usage: make release VENDOR=<vendor>"; exit 2; }
	$(BIN)/python -m generator.diff.release $(VENDOR)
