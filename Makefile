# Two commands: `make run` starts the whole system, `make test` passes every test.
# Both set up what they need first (venv, packages, PostgreSQL, Kafka jars).

VENV := .venv
# Exactly the versions that were tested, each file checked against its hash (make lock).
LOCK := requirements-dev.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
PIP := $(VENV)/bin/pip --quiet --disable-pip-version-check

.PHONY: run test setup system lint lock bench clean

run: setup
	$(VENV)/bin/podium run

test: setup
	@bash scripts/system-packages.sh test
	@bash scripts/compose.sh
	$(VENV)/bin/pytest

setup: $(STAMP) system

$(STAMP): pyproject.toml $(LOCK)
	python3 -m venv $(VENV)
	$(PIP) install --require-hashes -r $(LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Rewrites requirements.lock and requirements-dev.lock after a pin in pyproject.toml changed
# (docs/operations.md, "Dependencies").
lock: $(STAMP)
	bash scripts/lock.sh

# Debian packages the project needs (PostgreSQL, Java, Maven), installed when missing.
system:
	@bash scripts/system-packages.sh run

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Measures the whole system against its performance targets and rewrites docs/benchmarks.md
# (about 15 minutes; take the figures on a quiet machine). `.venv/bin/podium bench PART`: one part.
bench: setup
	@bash scripts/system-packages.sh bench
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) .cache
