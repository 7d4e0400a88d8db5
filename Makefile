# voxspec: `make generate` sets up .venv and renders generated/; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.voxspec-installed

.PHONY: generate test check fmt lint typecheck clean docs bench bench-generate bench-peers

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
	$(BIN)/ruff check generator tests bench
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

bench: $(STAMP) bench-peers
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

bench-generate: $(STAMP) bench-peers
	$(BIN)/python bench/bench_generate.py
