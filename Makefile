# Two entry points, both doing all their own set-up on a fresh machine:
#   make run   - build the index of the bundled corpus if missing, then serve the app on http://localhost:8501
#   make test  - install everything and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
INDEX  ?= .policyqa/index
PORT   ?= 8501

.PHONY: run test system-deps corpus bench bench-scale

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# the machine's old pip fails to build some sdists; upgrade first
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian packages the tests use: Chromium prints HTML to PDF (a second PDF producer)
# and drives the app; poppler renders pages; IPA fonts give Chromium Japanese glyphs.
system-deps:
	@if command -v chromium >/dev/null && command -v pdftoppm >/dev/null && fc-list 2>/dev/null | grep -qi ipagothic; then \
	  true; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium poppler-utils fonts-ipafont-gothic >/dev/null; \
	else \
	  echo "note: not root; install chromium poppler-utils fonts-ipafont-gothic yourself, or the tests that need them skip"; \
	fi

run: $(STAMP)
	$(BIN)/policyqa app --index $(INDEX) --port $(PORT) --headless

# One worker per core (pytest-xdist); --dist loadfile keeps a file's tests, and its module fixtures,
# on one worker. Each worker ingests the corpus_index fixture once for itself.
test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n auto --dist loadfile

# Re-render corpus/*.pdf from ../shared/seeds (the PDFs are committed; this is for changing them).
corpus: $(STAMP)
	$(BIN)/python corpus/build_corpus.py

# Benchmarks print figures; they are not tests. bench_ingest_query prints our search/ask
# beside the vanilla peer, 10 simultaneous users and memory over 500 answers.
bench: $(STAMP)
	$(BIN)/python -m eval.bench_retrieval --chunk-sizes 400,800
	$(BIN)/python -m eval.bench_answers
	$(BIN)/python -m eval.bench_ingest_query --runs 2

# The bundled corpus beside 1, 6 and 24 白書 editions (rendered once into ~/.cache/policyqa/distractors),
# embedded and server mode; SIZES=0,1 for a short run. Each size grows the previous one's index, server
# mode reads each size's store through `chroma run` (server ingest measured at 1× and +1), so the 24
# editions are ingested once. Figures and run time: ARCHITECTURE.md, "Past one machine".
SIZES ?= 0,1,6,24
bench-scale: $(STAMP)
	$(BIN)/python -m eval.bench_scale --sizes $(SIZES)
