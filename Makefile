# voxspec: `make generate` sets up .venv and renders generated/; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.voxspec-installed

.PHONY: generate test check fmt lint typecheck clean docs browser bench-client

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

generate: $(STAMP)
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
test: $(STAMP) browser
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

# The peer client lives in its own venv under .bench/ (gitignored): its dependencies may clash with ours.
OPC_VERSION := 0.29.1
BENCH := .bench
$(BENCH)/opc/.installed:
	$(PYTHON) -m venv $(BENCH)/opc
	$(BENCH)/opc/bin/python -m pip install --quiet 'openapi-python-client==$(OPC_VERSION)'
	touch $@

$(BENCH)/opc_voipcloud/client.py: $(BENCH)/opc/.installed specs/voipcloud/openapi.yaml
	rm -rf $(BENCH)/opc_voipcloud
	cd $(BENCH) && opc/bin/openapi-python-client generate --path ../specs/voipcloud/openapi.yaml \
	  --output-path opc_voipcloud --meta none > opc-generate.log 2>&1 || (cat opc-generate.log; exit 1)

bench-client: $(STAMP) $(BENCH)/opc_voipcloud/client.py
	$(BENCH)/opc/bin/python bench/bench_client.py --opc $(BENCH)/opc_voipcloud

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
