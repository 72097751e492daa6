# Two commands: `make run` starts the whole system, `make test` passes every test.
# Both set up what they need first (venv, packages, PostgreSQL, Kafka jars).

VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test setup system lint bench clean

run: setup
	$(VENV)/bin/podium run

test: setup
	@bash scripts/system-packages.sh test
	$(VENV)/bin/pytest

setup: $(STAMP) system

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Debian packages the project needs (PostgreSQL, Java, Maven), installed when missing.
system:
	@bash scripts/system-packages.sh run

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Measures the whole system against its performance targets and rewrites docs/benchmarks.md
# (about 5 minutes; take the figures on a quiet machine). `.venv/bin/podium bench PART`: one part.
bench: setup
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) .cache
