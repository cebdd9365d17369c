# Two commands do all the set-up on a fresh machine:
#   make book   build the HTML into _build/html (creates .venv and installs what is missing)
#   make test   every test: unit tests, strict nbval over the chapters, the book build, the browser check
# And two for authors:
#   make refresh [CHAPTERS=chapters/02_degradation.ipynb]   re-execute chapters in place (fresh kernel)
#   make times                                             the quick-profile execution time of each chapter

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHAPTERS ?= $(wildcard chapters/*.ipynb)
export RESNET_BOOK_PROGRESS ?= text

.PHONY: book test unit nbval build browser data refresh times clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

data: $(STAMP)
	PY=$(PY) bash tools/get_data.sh

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W --keep-going
	@echo "HTML: $(CURDIR)/_build/html/index.html"

unit: $(STAMP)
	$(PY) -m pytest tests -q -p no:cacheprovider

nbval: $(STAMP) data
	RESNET_BOOK_PROFILE=quick RESNET_BOOK_THREADS=1 $(PY) -m pytest -q -p no:cacheprovider \
	  --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  -n 2 --dist loadfile $(CHAPTERS)

build: book

browser: $(STAMP)
	bash tools/system_deps.sh chromium
	$(PY) -m pytest -q -p no:cacheprovider tests/check_browser.py

test: unit nbval build browser

refresh: $(STAMP) data
	$(PY) tools/notebooks.py run $(CHAPTERS)

times: $(STAMP)
	$(PY) tools/notebooks.py times $(CHAPTERS)

clean:
	rm -rf _build
