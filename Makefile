# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DIST_STAMP := $(VENV)/.installed-dist
DIST_EXE := dist/FieldApp/fieldapp

.PHONY: run test bench lint format clean dist-check wheel-check screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $@

$(DIST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dist]'
	touch $(STAMP) $@

run: $(STAMP)
	$(BIN)/fieldapp $(ARGS)

test: $(TEST_STAMP)
	$(BIN)/ruff check fieldapp ui tests
	$(BIN)/ruff format --check fieldapp ui tests
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.bench.run $(BENCH_ARGS)

# ruff, the import contracts of docs/ARCHITECTURE.md section 2 ([tool.importlinter] in
# pyproject.toml; --no-cache: the graph takes a fraction of a second, and no cache folder is left)
# and mypy (section 8, [tool.mypy]; its cache in .mypy_cache makes a second run take seconds).
lint: $(TEST_STAMP)
	$(BIN)/ruff check fieldapp ui tests
	$(BIN)/ruff format --check fieldapp ui tests
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

# The main screens in Dutch and English, rendered offscreen from demo data (README, Screenshots).
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots docs/screenshots

format: $(TEST_STAMP)
	$(BIN)/ruff format fieldapp ui tests
	$(BIN)/ruff check --fix fieldapp ui tests

# The frozen one-folder app (build.spec -> dist/FieldApp/), then checks on the frozen binary in a
# throwaway HOME and TMPDIR: the headless self-check (which must leave TMPDIR empty), a vault
# made with the production KDF that takes demo visits, lists and checks them, the bundled
# catalogue's hash against the source tree's, and the desktop started offscreen (it must still
# be running after 5 s, i.e. Qt and its plugins load). Leaves nothing but build/ (PyInstaller's
# work folder and its cache of stripped libraries) and dist/.
dist-check: $(DIST_STAMP)
	PYINSTALLER_CONFIG_DIR=$(CURDIR)/build/pyinstaller-cache \
		$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build build.spec
	@set -eu; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	export HOME="$$tmp/home" TMPDIR="$$tmp/tmp" XDG_DATA_HOME="$$tmp/home/data" \
		XDG_CONFIG_HOME="$$tmp/home/config" XDG_CACHE_HOME="$$tmp/home/cache"; \
	unset FIELDAPP_VAULT FIELDAPP_PASSPHRASE FIELDAPP_NEW_PASSPHRASE FIELDAPP_LANG; \
	mkdir -p "$$HOME" "$$TMPDIR"; \
	echo "== frozen self-check"; \
	$(DIST_EXE) self-check --lang en; \
	if [ -n "$$(ls -A "$$TMPDIR")" ]; then echo "self-check left files in TMPDIR" >&2; exit 1; fi; \
	echo "== frozen vault init, demo, visit list, vault check"; \
	printf 'dist-check passphrase\n' > "$$tmp/pw"; \
	opts="--vault $$tmp/vault --passphrase-file $$tmp/pw --lang en"; \
	$(DIST_EXE) vault init --role field $$opts; \
	$(DIST_EXE) demo --visits 3 $$opts; \
	$(DIST_EXE) visit list $$opts; \
	$(DIST_EXE) vault check $$opts >/dev/null; \
	echo "== bundled catalogue equals the source tree's"; \
	frozen=$$($(DIST_EXE) catalogue list --search no-such-indicator --lang en); \
	source=$$($(BIN)/fieldapp catalogue list --search no-such-indicator --lang en); \
	echo "$$frozen"; [ "$$frozen" = "$$source" ] || { echo "source: $$source" >&2; exit 1; }; \
	echo "== frozen desktop starts (offscreen, stopped after 5 s)"; \
	if command -v timeout >/dev/null; then \
		status=0; FIELDAPP_VAULT="$$tmp/vault" QT_QPA_PLATFORM=offscreen \
			timeout 5 $(DIST_EXE) >"$$tmp/gui.log" 2>&1 || status=$$?; \
		if [ "$$status" -ne 124 ]; then cat "$$tmp/gui.log" >&2; \
			echo "desktop exited early with status $$status" >&2; exit 1; fi; \
		echo "still running after 5 s: ok"; \
	else echo "no timeout command: desktop start not checked"; fi; \
	echo "== dist-check passed: $$(du -sh dist/FieldApp | cut -f1) in dist/FieldApp"

# FieldApp as pip and pipx users get it: the sdist and the wheel built from it (`python -m build`,
# so nothing left over in build/ gets in), the wheel installed with its dependencies into a fresh
# venv in a throwaway folder, then run from outside the source tree with a private HOME and
# TMPDIR: the headless self-check (which must leave TMPDIR empty) and a catalogue search. The
# resources must come from the installed package (fieldapp.resources), not from this tree.
wheel-check: $(TEST_STAMP)
	@set -eu; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "== build the sdist and the wheel"; \
	$(BIN)/python -m build --outdir "$$tmp/dist" . >"$$tmp/build.log" 2>&1 \
		|| { cat "$$tmp/build.log" >&2; exit 1; }; \
	wheel=$$(ls "$$tmp"/dist/fieldapp-*.whl); echo "$$(basename "$$wheel")"; \
	echo "== install the wheel into a fresh venv"; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$$wheel"; \
	export HOME="$$tmp/home" TMPDIR="$$tmp/tmp" XDG_DATA_HOME="$$tmp/home/data" \
		XDG_CONFIG_HOME="$$tmp/home/config" XDG_CACHE_HOME="$$tmp/home/cache"; \
	unset FIELDAPP_VAULT FIELDAPP_PASSPHRASE FIELDAPP_NEW_PASSPHRASE FIELDAPP_LANG PYTHONPATH; \
	mkdir -p "$$HOME" "$$TMPDIR" "$$tmp/work"; cd "$$tmp/work"; \
	echo "== resources from the installed package"; \
	root=$$("$$tmp/venv/bin/python" -c 'from fieldapp.paths import resources_root; print(resources_root())'); \
	echo "$$root"; case "$$root" in "$$tmp/venv/"*/fieldapp/resources) ;; \
		*) echo "resources not found in the installed package" >&2; exit 1;; esac; \
	echo "== installed self-check"; \
	"$$tmp/venv/bin/fieldapp" self-check --lang en; \
	if [ -n "$$(ls -A "$$TMPDIR")" ]; then echo "self-check left files in TMPDIR" >&2; exit 1; fi; \
	echo "== installed catalogue list --search paspoort"; \
	found=$$("$$tmp/venv/bin/fieldapp" catalogue list --search paspoort --lang en); \
	echo "$$found"; case "$$found" in *ILO-CD-01*) ;; \
		*) echo "the passport indicator ILO-CD-01 was not found" >&2; exit 1;; esac; \
	echo "== wheel-check passed"

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
