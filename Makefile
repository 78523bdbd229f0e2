# Two commands: `make lab` (set up, open JupyterLab) and `make test` (set up, run every test).
# Both create .venv with python3 -m venv when it is missing and install the course into it.
# The install is skipped while pyproject.toml is unchanged (a stamp keyed on its hash).

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
HASH    := $(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(open('pyproject.toml','rb').read()).hexdigest()[:16])")
STAMP   := $(VENV)/.installed-$(HASH)
PORT    ?= 8888
# PyPI's Linux torch is the CUDA build (GBs). When PyTorch's CPU index answers, pip may take
# torch==2.13.0+cpu from it (evaluated only when the install runs; empty when unreachable).
TORCH_CPU_INDEX = $(shell $(PYTHON) -c "import urllib.request as u; \
	u.urlopen('https://download.pytorch.org/whl/cpu/torch/', timeout=5); \
	print('--extra-index-url https://download.pytorch.org/whl/cpu')" 2>/dev/null)
NB      ?=

.PHONY: lab test test-portable setup bench notebooks lint clean help release grade site

help:
	@echo "make lab     set up .venv and open JupyterLab at notebooks/00_start_here.ipynb"
	@echo "make test    set up .venv, then ruff and every test (dlcore, exercises, widgets, notebooks, browser)"
	@echo "make test-portable  run every notebook twice (nbval): OPENBLAS_NUM_THREADS=1, then the default"
	@echo "make bench   measure figure updates, notebook run times, import time -> benchmarks/RESULTS.md"
	@echo "make notebooks [NB=01]  rebuild + execute notebooks from notebooks/src (maintainers)"
	@echo "make site    build the course website into site/_build/html (no execution)"
	@echo "make release  write release/: the nbgrader course folder and the student version (no solutions)"
	@echo "make grade A=ch07  autograde release/course/submitted/*/ch07 with nbgrader, write grades.csv"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,class]" $(TORCH_CPU_INDEX)
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

lab: $(STAMP)
	@echo "JupyterLab: open the URL printed below (it carries a login token)."
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(PORT) \
		$$( [ -z "$$DISPLAY" ] && echo --no-browser ) \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root ) \
		--ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

lint: $(STAMP)
	$(BIN)/ruff check dlcore tests tools benchmarks notebooks deploy site scripts

test: $(STAMP) lint
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest --nbval-lax -p no:cacheprovider notebooks/

# Checked outputs must not depend on how BLAS splits its work: one BLAS thread, then the
# machine's default thread count. The machine's other OpenBLAS settings are left as they are.
test-portable: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest --nbval-lax -p no:cacheprovider notebooks/
	env -u OPENBLAS_NUM_THREADS $(BIN)/python -m pytest --nbval-lax -p no:cacheprovider notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

notebooks: $(STAMP)
	$(BIN)/python tools/build_notebooks.py $(NB)

site: $(STAMP)
	$(BIN)/python tools/build_site.py

# Instructors: the student release (docs/grading.md). nbgrader runs alembic from the venv.
release: $(STAMP)
	$(BIN)/python tools/release.py $(NB)

grade: $(STAMP)
	@test -n "$(A)" || { echo "usage: make grade A=ch07"; exit 2; }
	cd release/course && PATH="$(CURDIR)/$(BIN):$$PATH" $(CURDIR)/$(BIN)/nbgrader autograde $(A)
	cd release/course && PATH="$(CURDIR)/$(BIN):$$PATH" $(CURDIR)/$(BIN)/nbgrader export
	@echo "grade table: release/course/grades.csv"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
