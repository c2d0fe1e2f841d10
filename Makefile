# Everything runs in a virtual environment in .venv, made on first use from requirements-dev.txt.
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
NBS := $(wildcard nbs/*.ipynb)
# The lowest JAX that settings.ini declares, in a virtual environment of its own (make test-floor).
FLOOR := .venv-floor
# The peers the translation and conformance pages run (snnTorch, SpikingJelly, Norse, Sinabs, braintools on PyTorch's
# CPU build), beside the development set, in a virtual environment of their own (make test-peers).
PEERS := .venv-peers
# The newest JAX on the newest Python >= 3.12 found here (tools/newest_python.py), in an environment of its own
# (make test-newest); .venv and .venv-floor use the Python that `python3` is.
NEWEST := .venv-newest
# cffconvert, which validates CITATION.cff, in an environment of its own (requirements-cff.txt says why).
CFF := .venv-cff
# The strict session: the tests that only x64 can change (tests/test_strict.py says which, and why).
STRICT_TESTS := tests/test_strict.py tests/test_misuse.py
# The files the lowest and the newest JAX run: the contract at other hyperparameters, misuse, the registry, what the
# backward pass keeps (it reads jaxprs, whose form changes between JAX versions), the adaptive widths, and the domains
# (a traced value outside one gives NaN, which JAX's primitives propagate).
VERSION_TESTS := tests/test_activations.py tests/test_misuse.py tests/test_registry.py tests/test_residuals.py \
	tests/test_adaptive.py tests/test_domains.py
# The stages of `make test-all`, in order; each one's wall time is printed at the end.
STAGES := test-slow test-strict test-floor test-newest test-peers check-citation lint

.PHONY: docs serve test test-all test-slow test-strict lint test-floor test-peers test-newest test-thorough lab export outputs clean-nbs sync-check \
	dist check-citation mutants bench-field

# A virtual environment in $(1), made from the requirements file $(2), with the package installed from the working tree.
# $(3), if given, is the Python to make it with; python3 otherwise.
define venv
	$(or $(3),python3) -m venv $(1)
	$(1)/bin/python -m pip install -q --upgrade pip
	$(1)/bin/python -m pip install -q -r $(2)
	$(1)/bin/python -m pip install -q --no-deps -e .
	touch $(1)/.installed
endef

$(VENV)/.installed: requirements-dev.txt setup.py settings.ini
	$(call venv,$(VENV),requirements-dev.txt)

# Serve the built site on 127.0.0.1 (PORT=8000 by default). Search needs it: browsers refuse Pagefind's index to a page
# opened from disk; every other page, the explorer included, also reads well opened straight from _docs/index.html.
serve: $(VENV)/.installed
	@test -f _docs/index.html || $(MAKE) docs
	$(PY) -m http.server --bind 127.0.0.1 --directory _docs $${PORT:-8000}

# The documentation site, from the notebooks and their saved outputs, into _docs/: offline, no Quarto needed.
# Export first, so that the API shown on each page is the notebooks' own.
docs: $(VENV)/.installed
	$(BIN)/nbdev_export
	$(PY) tools/exports.py
	$(PY) tools/docs.py _docs

# The fast tier, run after every edit: every notebook's inline tests (`#| slow` cells left out), the contract
# sweep, misuse, registry, property tests (ci profile), package and sync checks, the site build and the browser test,
# compiled with XLA's classic CPU loop emitters and without LLVM's optimisation (see tests/conftest.py).
test: $(VENV)/.installed
	$(PY) -m pytest

# Everything, one stage after another (STAGES): the fast tier with the tests marked slow, at XLA's default settings
# (test-slow; it builds the site and checks that exporting and cleaning change nothing, as `make docs` and
# `make sync-check` would), the strict session, the contract tests on the lowest supported JAX and on the newest JAX with
# the newest Python, the peers, CITATION.cff's validation and ruff. It stops at the first stage that fails, and ends by
# printing each stage's wall time.
test-all: $(VENV)/.installed
	@rm -f .stage-times; status=0; for stage in $(STAGES); do start=$$(date +%s); \
		$(MAKE) --no-print-directory $$stage || status=$$?; \
		echo "$$stage $$(( $$(date +%s) - start )) s$$( [ $$status = 0 ] || echo ' (failed)')" >> .stage-times; \
		[ $$status = 0 ] || break; done; \
	echo "wall time of each stage:"; cat .stage-times; rm -f .stage-times; exit $$status

# The fast tier with the tests marked slow (training, slow notebook cells, the sweeps around every activation,
# multi-device, the wheel installed with its dependencies), compiled at XLA's default settings (`--all`), with ten
# times the property examples. The log lists its 15 slowest tests, so that growth shows where it is.
test-slow: $(VENV)/.installed
	HYPOTHESIS_PROFILE=deep $(PY) -m pytest --all --durations=15

# The tests whose results x64 can change, with every JAX safety flag on (see tests/test_strict.py); strict dtype and
# rank promotion are on in every test run (tests/conftest.py).
test-strict: $(VENV)/.installed
	SPYX_AXN_STRICT=1 $(PY) -m pytest -p no:cacheprovider $(STRICT_TESTS)

# The contract, misuse, registry, residuals and adaptive tests (VERSION_TESTS) on the lowest JAX that settings.ini
# allows, at XLA's default settings (`--all`: the fast tier's XLA flags are the pinned jaxlib's), without the tests
# marked slow.
$(FLOOR)/.installed: requirements-floor.txt
	$(call venv,$(FLOOR),requirements-floor.txt)

test-floor: $(FLOOR)/.installed
	$(FLOOR)/bin/python -m pytest --all -m 'not slow' -p no:cacheprovider $(VERSION_TESTS)

# The same tests on the newest JAX and the newest Python >= 3.12 found on PATH or under pyenv's root; it fails, saying
# so, where there is none. The environment is made anew when requirements-newest.txt changes (delete .venv-newest to
# take a newer Python or JAX).
$(NEWEST)/.installed: requirements-newest.txt
	python3 tools/newest_python.py 3.12 >/dev/null
	rm -rf $(NEWEST)
	$(call venv,$(NEWEST),requirements-newest.txt,$$(python3 tools/newest_python.py 3.12))

test-newest: $(NEWEST)/.installed
	@python3 tools/newest_python.py 3.12 >/dev/null
	@$(NEWEST)/bin/python -c 'import sys, jax; print("test-newest: Python", sys.version.split()[0], "JAX", jax.__version__)'
	$(NEWEST)/bin/python -m pytest --all -m 'not slow' -p no:cacheprovider $(VERSION_TESTS)

# The peers tier: the translation page's rows run against the peers' own functions, and the conformance page, which
# runs this package's contract on them (the cells flagged `#| peers`, which the other tiers leave out).
$(PEERS)/.installed: requirements-peers.txt requirements-dev.txt setup.py settings.ini
	$(call venv,$(PEERS),requirements-peers.txt)

test-peers: $(PEERS)/.installed
	$(PEERS)/bin/python -m pytest --peers -p no:cacheprovider tests/test_peers.py

# The Open Neuromorphic framework benchmark against the peers, on this CPU with two threads (about 15 minutes):
# benchmarks/field.json, .md and .png, which the performance page shows. FIELD_ARGS=--gpu runs it on a GPU up to 16k
# neurons (benchmarks/field-gpu.*), FIELD_ARGS=--quick in a few minutes (benchmarks/quick/field.*).
bench-field: $(PEERS)/.installed
	$(PEERS)/bin/python benchmarks/field.py $(FIELD_ARGS)

# The release's files: the sdist and the wheel, in dist/, and the check that an index renders their description.
dist: $(VENV)/.installed
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

# CITATION.cff against the Citation File Format's schema.
$(CFF)/.installed: requirements-cff.txt
	python3 -m venv $(CFF)
	$(CFF)/bin/python -m pip install -q -r requirements-cff.txt
	touch $(CFF)/.installed

check-citation: $(CFF)/.installed
	$(CFF)/bin/cffconvert --validate -i CITATION.cff

# The property-based tests with twenty times the examples, drawn at random rather than from the fixed seed.
test-thorough: $(VENV)/.installed
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest tests/test_properties.py

# JupyterLab on the notebooks, from the project's environment, reachable from this machine only; LAB_ARGS adds options
# (e.g. LAB_ARGS=--no-browser).
lab: $(VENV)/.installed
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=nbs $(LAB_ARGS)

# The modules from the notebooks, then the surrogate factories' imports in spyx_axn/__init__.py (tools/exports.py).
export: $(VENV)/.installed
	$(BIN)/nbdev_export
	$(PY) tools/exports.py

# Re-execute the notebooks, saving their outputs (plots), slow cells included, then clean them and regenerate
# README.md. Export last: the module's cell references name the cell ids that executing and cleaning leave. A page
# with cells flagged `#| peers` runs in the peers' environment.
outputs: $(VENV)/.installed $(PEERS)/.installed
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean --clear_all  # exec_nb keeps the old outputs of a cell that now prints nothing
	cd nbs && for nb in $(notdir $(NBS)); do \
		if grep -q '"#| peers' $$nb; then env=$(PEERS); else env=$(VENV); fi; \
		../$$env/bin/exec_nb --exc_stop $$nb --dest $$nb || exit 1; done
	$(PY) tools/docs.py --unlink $(NBS)
	$(BIN)/nbdev_clean
	$(BIN)/nbdev_export
	$(PY) tools/exports.py
	$(PY) tools/readme.py

# Fail if ruff finds an unused import or an overlong line (pyproject.toml).
lint: $(VENV)/.installed
	$(BIN)/ruff check spyx_axn tests tools benchmarks nbs

# Fail if ruff does, or if exporting or cleaning the notebooks would change a committed file.
sync-check: lint
	$(BIN)/nbdev_export
	$(PY) tools/exports.py
	$(BIN)/nbdev_clean
	$(PY) tools/readme.py --check
	@test -z "$$(git status --porcelain)" || { git status --porcelain; echo "exporting or cleaning the notebooks changed the files above"; exit 1; }

# Plant defects in the notebooks one at a time and require `make test` to fail on each (tools/mutants.py).
mutants: $(VENV)/.installed
	$(PY) tools/mutants.py
