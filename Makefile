# Everything runs in a virtual environment in .venv, made on first use from requirements-dev.txt.
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
NBS := $(wildcard nbs/*.ipynb)

.PHONY: docs test test-thorough export outputs clean-nbs sync-check

$(VENV)/.installed: requirements-dev.txt setup.py settings.ini
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

# Serve the built site on 127.0.0.1 (PORT=8000 by default). Search needs it: browsers refuse Pagefind's index to a page
# opened from disk; every other page, the explorer included, also reads well opened straight from _docs/index.html.
.PHONY: serve
serve: $(VENV)/.installed
	@test -f _docs/index.html || $(MAKE) docs
	$(PY) -m http.server --bind 127.0.0.1 --directory _docs $${PORT:-8000}

# The documentation site, from the notebooks and their saved outputs, into _docs/: offline, no Quarto needed.
# Export first, so that the API shown on each page is the notebooks' own.
docs: $(VENV)/.installed
	$(BIN)/nbdev_export
	$(PY) tools/docs.py _docs

# The whole test suite (it executes every notebook too).
test: $(VENV)/.installed
	$(PY) -m pytest

# The property-based tests with ten times the examples, drawn at random rather than from the fixed seed.
test-thorough: $(VENV)/.installed
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest tests/test_properties.py

export: $(VENV)/.installed
	$(BIN)/nbdev_export

# Re-execute the notebooks, saving their outputs (plots), then clean them and regenerate README.md.
# Export last: the module's cell references name the cell ids that executing and cleaning leave.
outputs: $(VENV)/.installed
	$(BIN)/nbdev_export
	cd nbs && for nb in $(notdir $(NBS)); do ../$(BIN)/exec_nb --exc_stop $$nb --dest $$nb || exit 1; done
	$(BIN)/nbdev_clean
	$(BIN)/nbdev_export
	$(PY) tools/readme.py

# Fail if exporting or cleaning the notebooks would change a committed file.
sync-check: $(VENV)/.installed
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean
	$(PY) tools/readme.py --check
	@test -z "$$(git status --porcelain)" || { git status --porcelain; echo "exporting or cleaning the notebooks changed the files above"; exit 1; }
