# make run: install, migrate, load the demo county if empty, serve on http://127.0.0.1:5000 (SQLite).
# make test: every test (TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
SECRET_FILE := instance/secret_key
RUN_ENV = FLASK_SECRET_KEY="$$(cat $(SECRET_FILE))" FLASK_DEMO_MODE=true

.PHONY: run test install fonts demo translations lock clean

# The PDFs embed these TrueType fonts (Debian packages); installed here when missing and we may (root, apt-get).
FONT_PACKAGES := fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	touch $@

install: $(VENV)/.installed

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

test: install fonts
	$(PY) -m pytest

# --ignore-dirs: Babel's default also skips directories starting with _ (templates/_macros).
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l --ignore-dirs '.* __pycache__' -o app/translations/messages.pot .
	PYTHONPATH=. $(PY) scripts/add_enum_labels.py app/translations/messages.pot
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d app/translations

# requirements.in → requirements.txt: every package pinned with its hashes (make install refuses anything else).
lock: install
	$(VENV)/bin/pip install --quiet --disable-pip-version-check pip-tools==7.6.2
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links --output-file requirements.txt requirements.in
	sed -i 's|^#    pip-compile .*|#    make lock|' requirements.txt

clean:
	rm -rf $(VENV) .pytest_cache
