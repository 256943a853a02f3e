"""Every member's 履职档案 of a review, made as a background job from the documents page: one job per click (a
double click is the same job), progress and the download on the job's page for its owner alone; a clerk cannot
start it; one member's dossier stays immediate, and so does the command line."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from conftest import pdf_text, text_of
from test_jobs import spy_progress

from app.extensions import db
from app.jobs import services
from app.documents.kinds import Options
from app.jobs.kinds import options_params
from app.models import Activity, Category, Job, JobState, RecordState, Role, User
from app.reviews import services as reviews

pytestmark = pytest.mark.commits  # a job writes its progress on a connection of its own


@pytest.fixture
def review(app, year, make_member, make_user, tmp_path):
    """A members' review of 2025 over three members, one of them with a dossier longer than a page."""
    app.config["JOBS_DIR"] = str(tmp_path / "jobs")
    busy, quiet = make_member("张三"), make_member("李红")
    make_member("王五", liaison="liaison_b", committee="committee_b")
    db.session.add_all([Activity(unit_id=busy.committee_id, member_id=busy.id, category=Category.IDEA, kind="提案",
                                 title=f"关于第{n}号民生事项的提案", occurred_on=dt.date(2025, 1 + n % 12, 1 + n % 28),
                                 state=RecordState.VERIFIED) for n in range(90)])
    db.session.add(Activity(unit_id=quiet.committee_id, member_id=quiet.id, category=Category.IDEA, kind="社情民意",
                            title="关于校园周边交通的建议", occurred_on=dt.date(2025, 5, 6), state=RecordState.VERIFIED))
    db.session.commit()
    make_user("office1", Role.OFFICE)
    make_user("office2", Role.OFFICE)
    make_user("clerk1", Role.CLERK, units=("liaison_a",))
    found = reviews.run_review(reviews.rule_file("2025-四个一-委员.yaml"), "2025", None)
    db.session.commit()
    return found


def token_on(html: str) -> str:
    """The one-time request token of the page's 生成 form for the 履职档案."""
    form = re.search(r'<form method="post" action="/documents/review/\d+/dossier\.pdf".*?</form>', html, re.S)
    assert form, "no 生成 form for the 履职档案"
    return re.search(r'name="request_token" value="([0-9a-f]{32})"', form.group(0)).group(1)


def jobs() -> list[Job]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Job).order_by(Job.id)).all()


def test_every_members_dossier_is_a_job_whose_owner_downloads_the_pdf(client, login, review, monkeypatch):
    seen = spy_progress(monkeypatch)
    login("office1")
    page = client.get(f"/documents/review/{review.id}")
    token = token_on(page.get_data(as_text=True))
    url = f"/documents/review/{review.id}/dossier.pdf"
    first = client.post(url, data={"request_token": token})
    again = client.post(url, data={"request_token": token})  # a double click
    assert [j.kind for j in jobs()] == ["document"]
    job = jobs()[0]
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"] == f"/jobs/{job.id}"
    assert job.state == JobState.SUCCEEDED and job.created_by_id is not None
    assert seen and seen[-1]["done"] == seen[-1]["total"] == 3  # one step per member's dossier
    shown = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'href="/jobs/{job.id}/result"' in shown and "生成打印文件" in shown and "履职档案.pdf" in shown
    assert client.get(f"/jobs/{job.id}.json").get_json()["link"]["href"] == f"/jobs/{job.id}/result"
    download = client.get(f"/jobs/{job.id}/result")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert "2025-四个一-全体委员-履职档案.pdf" in unquote(download.headers["Content-Disposition"])
    pages = pdf_text(download.data)
    download.close()
    # the batch is each member's dossier in rank order, each as long as that member's own, made at once
    alone = []
    for entry in reviews.rows(review):
        one = client.get(f"{url}?subject={entry.subject_id}")
        assert one.status_code == 200 and one.data.startswith(b"%PDF-")
        alone.append(pdf_text(one.data))
    assert [len(a) for a in alone] != [1, 1, 1]  # one dossier runs over a page: the count means something
    assert len(pages) == sum(len(a) for a in alone)
    firsts = [i for i, p in enumerate(pages) if "2025年度履职档案" in re.sub(r"\s", "", p)]
    assert firsts == [sum(len(a) for a in alone[:n]) for n in range(len(alone))]
    assert len(jobs()) == 1  # a single member's dossier never made a job
    # a second office account watches the job but does not get the file; a clerk does not see the job at all
    client.post("/auth/logout")
    login("office2")
    watched = client.get(f"/jobs/{job.id}")
    assert watched.status_code == 200 and f"/jobs/{job.id}/result" not in watched.get_data(as_text=True)
    assert "只有提交任务的人可以下载" in text_of(watched)
    assert client.get(f"/jobs/{job.id}.json").get_json()["link"] is None
    refused = client.get(f"/jobs/{job.id}/result")
    assert refused.status_code == 403 and not refused.data.startswith(b"%PDF-")
    client.post("/auth/logout")
    login("clerk1")
    assert client.get(f"/jobs/{job.id}/result").status_code == 404
    assert client.get(f"/jobs/{job.id}").status_code == 404


def test_the_same_dossier_asked_again_while_it_is_made_is_that_job(client, login, review):
    login("office1")
    office1 = db.session.scalar(sa.select(User).where(User.username == "office1"))
    queued = services.create("document", {"review_id": review.id, "name": "dossier",
                                          "options": options_params(Options()), "user_id": office1.id,
                                          "visible": None}, office1)  # not run yet: a worker has not taken it
    db.session.commit()
    token = token_on(client.get(f"/documents/review/{review.id}").get_data(as_text=True))
    response = client.post(f"/documents/review/{review.id}/dossier.pdf", data={"request_token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/jobs/{queued.id}"
    assert [j.id for j in jobs()] == [queued.id]


def test_a_clerk_cannot_start_it_and_a_plain_link_makes_no_job_and_no_pdf(client, login, review):
    login("clerk1")
    url = f"/documents/review/{review.id}/dossier.pdf"
    assert client.post(url, data={"request_token": "0" * 32}).status_code == 403
    assert client.get(url).status_code == 403
    assert jobs() == []
    client.post("/auth/logout")
    login("office1")
    linked = client.get(url)  # an old bookmark or link: sent to the page's 生成 button, nothing made
    assert linked.status_code == 302 and linked.headers["Location"].endswith(
        f"/documents/review/{review.id}#review-documents")
    assert "请点击“生成”" in text_of(client.get(linked.headers["Location"]))
    assert jobs() == []
    assert client.post(url, data={"subject": "1"}).status_code == 400  # one member's: no job, just the GET
    assert client.post(f"/documents/review/{review.id}/ranking.pdf").status_code == 400
    assert jobs() == []


def test_the_command_line_still_makes_every_dossier_at_once(app, review, tmp_path):
    out = tmp_path / "档案.pdf"
    result = app.test_cli_runner().invoke(args=["report", "dossier", "--review", str(review.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sum("2025年度履职档案" in re.sub(r"\s", "", p) for p in pdf_text(out.read_bytes())) == 3
    assert jobs() == []
