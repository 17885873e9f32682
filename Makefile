# advocate: `make demo` renders the bundled campaign into out/; `make test` runs every check.
# Both set everything up on a fresh machine (a virtual environment in .venv).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
OUT ?= out

.PHONY: install system-deps browser demo test lint typecheck unit site-test docs-test bench \
	golden ahead wheel clean \
	cluster-deps cluster-test

install: system-deps $(BIN)/.installed

# WeasyPrint needs Pango, and HarfBuzz's subsetter to embed fonts fast (without it each PDF
# takes seconds and logs a warning). Debian has them; apt installs what is missing.
# The tests read PDFs back with poppler's pdftotext and pdffonts (poppler-utils), and import
# advocate followup's calendar file into a real calendar program (calcurse).
system-deps:
	@{ ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' && ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0' \
	   && command -v pdftotext >/dev/null && command -v pdffonts >/dev/null && command -v calcurse >/dev/null; } || \
	  { apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 poppler-utils calcurse; }

# The newest releases pyproject's ranges allow (no upper pins: a known break is named in a
# comment beside its range), upgraded whenever pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --upgrade --upgrade-strategy eager -e ".[test]"
	$(MAKE) --no-print-directory ahead
	touch $@

demo: install
	$(BIN)/advocate build kazakhstan-2022 --signers examples/signers.csv -o $(OUT) --force
	@echo "Open $(OUT)/kazakhstan-2022/index.html"

test: install browser lint typecheck unit site-test docs-test

# The action page's browser tests (tests/test_site*.py) drive Debian's Chromium through
# Playwright (never `playwright install`: no browser is downloaded), with Noto CJK so the
# Chinese test pages are drawn as a reader sees them (the layout tests were looked at so).
browser:
	@{ command -v chromium >/dev/null && fc-list 2>/dev/null | grep -q 'Noto Sans CJK'; } || \
	  { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk; }

lint:
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/lint-imports --no-cache

typecheck:
	$(BIN)/mypy

# Three sessions: the library and the command line; the action page in Chromium
# (tests/site/); the documentation run as written (tests/docs/: the tutorial, the generated
# reference, the scaling examples). Each can be run alone: `make site-test`.
unit:
	$(BIN)/pytest -q -n auto --ignore=tests/site --ignore=tests/docs

site-test: browser
	$(BIN)/pytest -q -n auto tests/site

docs-test:
	$(BIN)/pytest -q -n auto tests/docs

# docs/scaling/'s Slurm scripts on a real one-node Slurm started by the tests (munged,
# slurmctld, slurmd in a temporary folder, as root): not part of `make test`, run by .ci/run.
# Debian's slurm-wlm and munge are installed when missing (without apt the tests skip,
# saying so). The daemons are started directly: no systemd needed.
cluster-deps:
	@if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
	    && command -v munged >/dev/null; then :; \
	elif ! command -v apt-get >/dev/null; then \
	  echo "cluster-test: no apt-get to install slurm-wlm and munge: the Slurm tests will skip"; \
	else apt-get update -qq; \
	  if apt-cache policy slurm-wlm | grep -q 'Candidate: [0-9]' \
	      && apt-cache policy munge | grep -q 'Candidate: [0-9]'; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge; \
	  else echo "cluster-test: apt has no slurm-wlm or munge: the Slurm tests will skip"; fi; \
	fi

cluster-test: install cluster-deps
	$(BIN)/pytest -q -n 0 tests/cluster

golden: install
	$(BIN)/pytest -q tests/test_golden.py tests/docs/test_docs.py --update-golden

# What ships made ahead by the installed libraries (not in git; the wheel's artifacts): the
# built-in templates' Python code (templates/compiled.py, Jinja) and each language's long date
# (text/dates.py, Babel). `make install` and `make wheel` write them; a file that no longer
# matches its template, Jinja, Babel or environment is never used.
ahead:
	$(BIN)/python -c "from advocate.render.documents import write_compiled_templates as w; w()"
	$(BIN)/python -c "from advocate.text.dates import write_long_dates as w; w()"

bench: install
	$(BIN)/python benchmarks/bench.py

wheel: install ahead
	$(BIN)/python -m build --wheel --outdir dist

clean:
	rm -rf $(VENV) $(OUT) dist build .pytest_cache .mypy_cache .ruff_cache
