# make run: install, migrate, load the demo county if empty, serve on http://127.0.0.1:5000 (SQLite).
# make test: every test (TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL).
# make bench: the benchmarks (bench/); make lock: rebuild the three hashed locks from requirements*.in.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
SECRET_FILE := instance/secret_key
RUN_ENV = FLASK_SECRET_KEY="$$(cat $(SECRET_FILE))" FLASK_DEMO_MODE=true

.PHONY: run test install install-dev bench fonts demo translations lock check-locks clean

# The PDFs embed these TrueType fonts (Debian packages); installed here when missing and we may (root, apt-get).
FONT_PACKAGES := fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei

# Three hashed locks (make lock): requirements.txt is what the running app needs; requirements-dev.txt adds the
# tests and checks (make test); requirements-bench.txt adds the benchmarks' baselines (make bench). Each install runs
# the pip that `python3 -m venv` brings, with --require-hashes: a file that does not match its hash never installs.
PIP_INSTALL := $(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt -r requirements-dev.txt
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: requirements.txt requirements-dev.txt requirements-bench.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt -r requirements-dev.txt -r requirements-bench.txt
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

fonts:
	@missing=""; for p in $(FONT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "安装打印用的中文字体:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null) \
	      || echo "未能安装字体，打印 PDF 前请安装:$$missing"; \
	  else echo "提示：打印 PDF 需要中文字体，请安装：sudo apt-get install$$missing"; fi; \
	fi

$(SECRET_FILE):
	mkdir -p instance
	python3 -c 'import secrets; print(secrets.token_hex(32))' > $@
	chmod 600 $@

run: install fonts $(SECRET_FILE)
	$(RUN_ENV) $(FLASK) db upgrade
	$(RUN_ENV) $(FLASK) demo --if-empty
	$(RUN_ENV) $(FLASK) run --host 127.0.0.1 --port 5000

demo: install $(SECRET_FILE)
	$(RUN_ENV) $(FLASK) db upgrade
	$(RUN_ENV) $(FLASK) demo --if-empty

# PYTEST_ARGS narrows a run, e.g. PYTEST_ARGS='-m "not database_free"' (.ci/run's second database). The tests run on
# every core (pytest-xdist; TEST_WORKERS=0 runs them in this one process); worksteal hands each worker a run of
# neighbouring tests, so the snapshots a file builds (the demo county …) are mostly built once per worker.
TEST_WORKERS ?= auto
test: install-dev fonts
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Every benchmark in turn (import_scale, ranking_load, checkin_load and phone_pages need PostgreSQL; ranking_load and
# checkin_load also Debian's wrk);
# BENCH=certificates runs one. Each prints its figure as its last line; bench/RESULTS.md keeps them.
BENCH ?= score_scale certificates import_scale ranking_load checkin_load phone_pages
bench: $(VENV)/.installed-bench fonts
	@for b in $(BENCH); do echo "== bench/$$b.py"; $(PY) bench/$$b.py || exit 1; done

# --ignore-dirs: Babel's default also skips directories starting with _ (templates/_macros).
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l --ignore-dirs '.* __pycache__' -o app/translations/messages.pot .
	PYTHONPATH=. $(PY) scripts/add_enum_labels.py app/translations/messages.pot
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d app/translations

# *.in → the three locks, every package pinned with its hashes. Extras are kept (--no-strip-extras): a stripped extra
# that a dependency asks for (weasyprint → fonttools[woff]) makes the stock pip fetch the newest release of it, which
# --require-hashes then refuses. pip-tools runs from the dev lock; each lock is then checked in a fresh venv with the
# pip that `python3 -m venv` brings (check-locks). docs/deploy.md says how an upgrade is done and checked.
# LOCK_ARGS=--upgrade (or --upgrade-package NAME) takes newer releases; without it the pins already there are kept.
COMPILE = $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --no-strip-extras --no-emit-index-url \
  --no-emit-find-links $(LOCK_ARGS)
lock: install-dev
	$(COMPILE) --output-file requirements.txt requirements.in
	$(COMPILE) --output-file requirements-dev.txt requirements-dev.in
	$(COMPILE) --output-file requirements-bench.txt requirements-bench.in
	sed -i 's|^#    pip-compile .*|#    make lock|' requirements.txt requirements-dev.txt requirements-bench.txt
	$(MAKE) check-locks

# A fresh venv with the stock pip, never the cached .venv: each lock, and the three together, must resolve from the
# index as it is today with nothing unpinned (a dry run: nothing is installed).
check-locks:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; python3 -m venv "$$tmp/venv"; \
	pip="$$tmp/venv/bin/pip install --dry-run --quiet --disable-pip-version-check --require-hashes"; \
	echo "stock pip: $$($$tmp/venv/bin/pip --version | cut -d' ' -f1-2)"; \
	$$pip -r requirements.txt && echo "requirements.txt: ok" && \
	$$pip -r requirements.txt -r requirements-dev.txt && echo "requirements-dev.txt: ok" && \
	$$pip -r requirements.txt -r requirements-dev.txt -r requirements-bench.txt && echo "requirements-bench.txt: ok"

clean:
	rm -rf $(VENV) .pytest_cache
