# The two commands of the README. Both run the idempotent set-up first.
PY := .venv/bin/python
SPEC ?= examples/qs3_array.yaml
OUT ?= out

.PHONY: setup demo test check lint clean

setup:
	@./.ci/setup

demo: setup
	.venv/bin/paradisk run $(SPEC) -o $(OUT)

test: setup
	$(PY) -m pytest -q
	.venv/bin/ruff check .

# the fast tier: no Meep and no real mode solve (every such test is marked slow)
check: setup
	$(PY) -m pytest -q -m "not slow"
	.venv/bin/ruff check .

lint: setup
	.venv/bin/ruff check .

clean:
	rm -rf $(OUT) .pytest_cache
