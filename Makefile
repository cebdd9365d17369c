# Two commands do all the set-up on a fresh machine:
#   make book   build the HTML into _build/html (creates .venv and installs what is missing)
#   make test   every test: unit tests, strict nbval over the chapters, the GPU profile's dry run, the Colab-stack
#               check, the book build, the browser check
#   make translations   re-extract the English messages and update the catalogues (locale/TRANSLATING.md)
#   make lab            JupyterLab on chapters/, to run a chapter locally
# And two for authors:
#   make refresh [CHAPTERS=chapters/02_degradation.ipynb]   re-execute chapters in place (fresh kernel)
#   make times                                             the quick-profile execution time of each chapter
#   make plan                                              planned training compute (PFLOP) of each chapter, GPU profile
#   make robustness [CHAPTERS=...]   every chapter at seed offsets 0-4 and under AVX2 kernels: the claims' spread

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHAPTERS ?= $(wildcard chapters/*.ipynb)
export RESNET_BOOK_PROGRESS ?= text

.PHONY: book test unit nbval build browser data refresh times clean translations robustness lab

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

data: $(STAMP)
	PY=$(PY) bash tools/get_data.sh

# Both editions from the same executed notebooks: English at the root of the site, Chinese under zh/ (issue 17).
book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W --keep-going
	$(PY) tools/translations.py build --lang zh_CN
	@echo "HTML: $(CURDIR)/_build/html/index.html and $(CURDIR)/_build/html/zh/index.html"

# After an English edit: the English messages again (gettext, into _build/i18n), merged into every page's catalogue
# (new messages empty, changed ones fuzzy), then each page's translated share. PAGES=chapters/01_alexnet_vgg for one.
translations: $(STAMP)
	$(PY) tools/translations.py extract
	$(PY) tools/translations.py update $(PAGES)
	$(PY) tools/translations.py stats

unit: $(STAMP)
	$(PY) -m pytest tests -q -p no:cacheprovider -n 2

# Strict nbval as a Colab reader meets the pages (tools/colab_sim.py): resnet_lib from a wheel in its own virtualenv,
# each notebook alone in an empty folder, every seed shifted by 1 (checks must hold for a seed the outputs were not
# executed with), one thread per kernel, two kernels side by side.
NBVAL_SEED_OFFSET ?= 1
nbval: $(STAMP) data
	$(PY) tools/colab_sim.py --seed-offset $(NBVAL_SEED_OFFSET) -n 2 $(CHAPTERS)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab chapters/

build: book

browser: $(STAMP)
	bash tools/system_deps.sh chromium
	$(PY) -m pytest -q -p no:cacheprovider -n 2 tests/check_browser.py

test: unit nbval dryrun colab build browser

refresh: $(STAMP) data
	$(PY) tools/notebooks.py run $(CHAPTERS)

times: $(STAMP)
	$(PY) tools/notebooks.py times $(CHAPTERS)

# Claims that hold for any seed and on any CPU (CONTRIBUTING, rule 2): re-execute the chapters with every seed
# shifted by each offset, and under AVX2 kernels, and record every claim's value in resnet_lib/book/runs/robustness/.
ROBUSTNESS_OFFSETS ?= 0 1 2 3 4
ROBUSTNESS_KERNELS ?= default avx2
robustness: $(STAMP) data
	$(PY) tools/robustness.py $(CHAPTERS) --offsets $(ROBUSTNESS_OFFSETS) --kernels $(ROBUSTNESS_KERNELS)

clean:
	rm -rf _build

# --- GPU profile without a GPU (issue 9) -------------------------------------------------------------------------
.PHONY: dryrun plan colab

# Every chapter end to end in the GPU profile on the CPU: synthetic CIFAR-10 in the real pickle layout, data capped
# to a few batches, every training cut to two steps, `needs-training` cells skipped. Fails when a chapter fails or
# plans more than 2 PFLOP of training; prints the planned-compute table.
# Every page of the book (all notebooks; `DRYRUN_CHAPTERS=...` for some).
DRYRUN_CHAPTERS ?= $(CHAPTERS)

dryrun: $(STAMP) data
	$(PY) tools/dryrun.py $(DRYRUN_CHAPTERS)

plan: $(STAMP) data
	$(PY) tools/dryrun.py --verbose --markdown $(CHAPTERS)

# Colab's stack: a second virtualenv (git-ignored) holding Colab's versions of the pure-Python packages
# (requirements-colab.txt); torch, torchvision and the test tools come from $(VENV) through a .pth file, so it is
# the same torch wheel. Runs the unit tests of the modules that use Colab's older packages (matplotlib, numpy,
# tqdm, ipywidgets) and chapter 0 (widgets, plots, data) under nbval, as Colab meets it (resnet_lib from the wheel,
# the notebook alone in a folder); the rest use torch alone, the same wheel in both virtualenvs, and `make unit`
# runs them.
COLAB_VENV ?= .venv-colab
COLAB_TESTS ?= tests/test_plots.py tests/test_plot_styles.py tests/test_data.py tests/test_train.py tests/test_diagrams.py \
  tests/test_profile.py tests/test_running_stats.py
COLAB_PY := $(COLAB_VENV)/bin/python
COLAB_STAMP := $(COLAB_VENV)/.installed
COLAB_CHAPTER ?= chapters/00_introduction.ipynb

$(COLAB_STAMP): requirements-colab.txt $(STAMP)
	test -x $(COLAB_PY) || $(PY) -m venv $(COLAB_VENV)
	$(COLAB_PY) -m pip install -q --disable-pip-version-check --no-deps -r requirements-colab.txt
	$(PY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" > \
	  "$$($(COLAB_PY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/resnet_book_main_venv.pth"
	touch $(COLAB_STAMP)

colab: $(COLAB_STAMP) data
	PYTHONPATH=$(CURDIR) $(COLAB_PY) tools/colab_versions.py requirements-colab.txt
	PYTHONPATH=$(CURDIR) $(COLAB_PY) -m pytest $(COLAB_TESTS) -q -p no:cacheprovider -n 2
	$(PY) tools/colab_sim.py --venv $(COLAB_VENV) --seed-offset $(NBVAL_SEED_OFFSET) -n 1 $(COLAB_CHAPTER)
