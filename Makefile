# make run: install, migrate, load the demo county if empty, serve on http://127.0.0.1:5000 (SQLite).
# make test: every test (TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
SECRET_FILE := instance/secret_key
RUN_ENV = FLASK_SECRET_KEY="$$(cat $(SECRET_FILE))" FLASK_DEMO_MODE=true

.PHONY: run test install demo translations clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

$(SECRET_FILE):
	mkdir -p instance
	python3 -c 'import secrets; print(secrets.token_hex(32))' > $@
	chmod 600 $@

run: install $(SECRET_FILE)
	$(RUN_ENV) $(FLASK) db upgrade
	$(RUN_ENV) $(FLASK) demo --if-empty
	$(RUN_ENV) $(FLASK) run --host 127.0.0.1 --port 5000

demo: install $(SECRET_FILE)
	$(RUN_ENV) $(FLASK) db upgrade
	$(RUN_ENV) $(FLASK) demo --if-empty

test: install
	$(PY) -m pytest

# --ignore-dirs: Babel's default also skips directories starting with _ (templates/_macros).
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l --ignore-dirs '.* __pycache__' -o app/translations/messages.pot .
	PYTHONPATH=. $(PY) scripts/add_enum_labels.py app/translations/messages.pot
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d app/translations

clean:
	rm -rf $(VENV) .pytest_cache
