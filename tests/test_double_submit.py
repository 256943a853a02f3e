"""The same thing asked for twice at once, on SQLite and PostgreSQL: a double click on 正式打印 makes one print run (one
job, each honoree numbered once, one print-log line); 整张 then 套打 from the same page, or a second run while one is
queued, is refused in Chinese; two reviews of a new rule file started together both succeed (one rule-set row,
versions 1 and 2); and a database refusal never reaches a user in the driver's English."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from conftest import racing_app, signed_in, text_of, together, user_named

from app.extensions import db
from app.jobs import services as jobs
from app.models import Certificate, Job, JobState, PrintLog, Review, RuleSet, SubjectKind, User
from app.reviews import services as reviews

pytestmark = pytest.mark.commits  # print runs and reviews are jobs, whose progress has a connection of its own
RULES = "2025-四个一-委员.yaml"
RAW = ("IntegrityError", "UNIQUE", "unique", "duplicate key", "OperationalError", "locked", "sqlite", "psycopg")


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def print_form(client, review_id: int) -> dict[str, str]:
    """What the certificates' 正式打印 button posts, as the review's documents page gives it."""
    html = client.get(f"/documents/review/{review_id}").get_data(as_text=True)
    form = html.split(f"/documents/review/{review_id}/certificates.pdf", 1)[1].split("</form>", 1)[0]
    token = re.search(r'name="request_token" value="([0-9a-f]{32})"', form).group(1)
    return {"request_token": token, "mode": "full", "order": "strokes", "numerals": "chinese"}


# --- the print run -------------------------------------------------------------------------------------------------

def test_a_double_click_on_print_makes_one_job_and_numbers_each_honoree_once(app, client, as_user, finished_year):
    as_user("office")
    data = print_form(client, finished_year.id)
    url = f"/documents/review/{finished_year.id}/certificates.pdf"
    first, second = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == second.status_code == 200
    assert first.data.startswith(b"%PDF-") and second.data == first.data  # the same PDF, not a reprint
    db.session.expire_all()
    assert count(Job) == 1 and count(PrintLog) == 1
    numbers = db.session.scalars(sa.select(Certificate.number)).all()
    assert len(numbers) == len(set(numbers)) > 0


def test_the_same_page_posted_again_with_other_choices_is_refused_in_words(app, client, as_user, finished_year):
    as_user("office")
    data = print_form(client, finished_year.id)
    url = f"/documents/review/{finished_year.id}/certificates.pdf"
    assert client.post(url, data=data).status_code == 200
    overlay = client.post(url, data={**data, "mode": "overlay"}, follow_redirects=True)
    assert "这一页已经提交过一次正式打印（任务 #" in text_of(overlay) and "请等它完成后刷新页面再试" in text_of(overlay)
    db.session.expire_all()
    assert count(Job) == 1 and count(PrintLog) == 1
    fresh = print_form(client, finished_year.id)  # the page shown again: a new token, a new run (a reprint)
    assert client.post(url, data={**fresh, "mode": "overlay"}).status_code == 200
    db.session.expire_all()
    assert count(Job) == 2 and count(PrintLog) == 2


def test_a_second_print_run_while_one_is_queued_is_refused_in_words(app, client, as_user, finished_year):
    as_user("office")
    waiting = jobs.create("print", {"review_id": finished_year.id, "name": "merit", "options": {},
                                    "user_id": user_named("office").id}, user_named("office"))
    db.session.commit()
    response = client.post(f"/documents/review/{finished_year.id}/certificates.pdf",
                           data=print_form(client, finished_year.id), follow_redirects=True)
    assert f"这份考评的证书或奖状正在打印（任务 #{waiting.id}），请等它完成后再打印" in text_of(response)
    db.session.expire_all()
    assert count(Job) == 1 and count(Certificate) == 0 and count(PrintLog) == 0


def test_a_double_click_racing_itself_makes_one_job(app, as_user, finished_year, tmp_path):
    """The two posts of a double click at the same instant, each in a thread on a connection of its own."""
    as_user("office")
    with racing_app(app, tmp_path, DEMO_MODE=True, JOBS_DIR=str(tmp_path / "jobs")) as racing:
        one, two = signed_in(racing, "office"), signed_in(racing, "office")
        url = f"/documents/review/{finished_year.id}/certificates.pdf"
        data = print_form(one, finished_year.id)
        answers = together(racing, lambda: one.post(url, data=data), lambda: two.post(url, data=data))
        assert not any(isinstance(a, Exception) for a in answers), answers
        pages = [a for a in answers if a.mimetype != "application/pdf"]  # the other: a redirect to the job
        assert all(a.status_code in (200, 302) for a in answers), [text_of(a)[:300] for a in pages]
        assert not any(word in text_of(a) for a in pages for word in RAW)
        with racing.app_context():
            made = db.session.scalars(sa.select(Job)).all()
            assert len(made) == 1 and made[0].state == JobState.SUCCEEDED, [(j.state, j.error) for j in made]
            numbers = db.session.scalars(sa.select(Certificate.number)).all()
            assert len(numbers) == len(set(numbers)) == made[0].result["pages"]
            assert db.session.scalar(sa.select(sa.func.count()).select_from(PrintLog)) == 1


# --- two reviews of a new rule file --------------------------------------------------------------------------------

def test_two_reviews_of_a_new_rule_file_started_together_both_succeed(app, demo, tmp_path, monkeypatch):
    """Both jobs score first, then both write: the rule file's row is made once, the versions are 1 and 2."""
    scored = threading.Barrier(2, timeout=60)
    original = reviews.score_period

    def score_then_wait(*args, **kwargs):
        found = original(*args, **kwargs)
        scored.wait()  # neither writes before both have read that no row holds the file yet
        return found
    monkeypatch.setattr(reviews, "score_period", score_then_wait)
    office = user_named("office")
    assert count(RuleSet) == 0
    with racing_app(app, tmp_path, JOBS_DIR=str(tmp_path / "jobs")) as racing:
        with racing.app_context():
            ids = [jobs.create("review", {"rule_file": RULES, "period": "2025", "user_id": office.id}, None).id
                   for _ in range(2)]
            db.session.commit()
        answers = together(racing, *(lambda i=i: jobs.run_job(i) for i in ids))
        assert answers == [JobState.SUCCEEDED, JobState.SUCCEEDED], answers
        with racing.app_context():
            assert [j.error for j in db.session.scalars(sa.select(Job))] == ["", ""]
            assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSet)) == 1
            versions = db.session.scalars(sa.select(Review.version).where(
                Review.subject_kind == SubjectKind.MEMBERS).order_by(Review.version)).all()
            assert versions == [1, 2]


def test_a_double_click_on_run_review_runs_one_review(app, client, as_user, demo):
    as_user("office")
    html = client.get("/reviews/").get_data(as_text=True)
    token = re.search(r'id="request_token" name="request_token" type="hidden" value="([0-9a-f]{32})"', html).group(1)
    data = {"rule_file": RULES, "period": "2025", "request_token": token, "confirmed": "1"}  # on 仍然运行并冻结
    first, second = client.post("/reviews/", data=data), client.post("/reviews/", data=data)
    assert first.status_code == second.status_code == 302 and first.headers["Location"] == second.headers["Location"]
    db.session.expire_all()
    assert count(Job) == 1 and count(Review) == 1
    other = client.post("/reviews/", data={**data, "period": "2025H1"})
    assert "这一页已经提交过一次考评（任务 #" in text_of(other) and count(Review) == 1
    assert token not in other.get_data(as_text=True)  # the form shown again carries a new one


# --- the last resort: no driver's English ---------------------------------------------------------------------------

def test_a_database_refusal_in_a_job_is_said_in_chinese(app, demo, monkeypatch):
    def clash(params, progress):
        raise sa.exc.IntegrityError("INSERT INTO rule_set …", {},
                                    Exception("UNIQUE constraint failed: rule_set.sha256"))
    monkeypatch.setattr(jobs, "_kinds", lambda: {"clash": clash})
    job = jobs.create("clash", {}, None)
    db.session.commit()
    assert jobs.run_job(job.id) == JobState.FAILED
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.error == jobs.CLASH_ERROR and not any(word in failed.error for word in RAW)


@pytest.mark.parametrize(("error", "status", "words"), [
    (sa.exc.IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed: job.request_token")), 409,
     "有人同时做了同样的操作，您这次提交的内容没有保存"),
    (sa.exc.OperationalError("UPDATE …", {}, Exception("database is locked")), 503, "数据库正忙或暂时无法访问"),
])
def test_a_database_refusal_reaching_a_view_is_said_in_chinese(app, client, error, status, words):
    def fails():
        raise error
    app.add_url_rule("/_refused", "refused", fails)
    response = client.get("/_refused")
    assert response.status_code == status and words in text_of(response)
    assert not any(word in response.get_data(as_text=True) for word in RAW)


def test_two_print_runs_at_once_never_share_a_number(app, as_user, finished_year, tmp_path):
    """Two print runs of one list at the same instant (two office users, two tabs): the second waits for the first
    and reprints its numbers. On SQLite both used to read the highest number before either wrote, and one failed."""
    from app.documents import kinds as documents
    office_id, review_id = user_named("office").id, finished_year.id  # read here: threads share no session

    def print_run() -> int:
        made = documents.make("certificates", db.session.get(Review, review_id), documents.Options(),
                              db.session.get(User, office_id), print_run=True)
        db.session.commit()
        return made.pages

    with racing_app(app, tmp_path) as racing:
        answers = together(racing, print_run, print_run)
        assert not any(isinstance(a, Exception) for a in answers), answers
        with racing.app_context():
            numbers = db.session.scalars(sa.select(Certificate.number)).all()
            assert len(numbers) == len(set(numbers)) == answers[0] == answers[1]
            assert all(re.fullmatch(r"2025-四个一-\d{4}", n) for n in numbers)
