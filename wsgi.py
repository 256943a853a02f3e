"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask CLI (`flask --app wsgi ...`)."""
import gc

from app import create_app

app = create_app()
# What the app holds from here on (modules, rule files, templates) is never garbage: out of the collector's sight, a
# full collection no longer walks it, which took up to 0.2 s at times in a request that scores a county live.
gc.collect()
gc.freeze()
