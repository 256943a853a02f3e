"""Stored file names never reach a file outside their folder (app/paths.py): a job's result file and an evidence
file are served only from their folders, whatever name the database holds (a planted row, or one restored from a
backup) and whatever symlink sits in the folder."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from app import evidence
from app.extensions import db
from app.models import Activity, Category, Evidence, Job, JobState, Role
from app.paths import UnsafePath, confined

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRET = b"FLASK_SECRET_KEY=do-not-serve-me\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A secret file beside the folders the app serves from (as instance/secret_key is)."""
    secret = tmp_path / "secret_key"
    secret.write_bytes(SECRET)
    return secret


# --- the helper ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a.pdf", "ab/cdef", "子目录/证明.pdf", "a..b", ".hidden"])
def test_plain_names_stay_in_their_folder(tmp_path, name):
    assert confined(tmp_path, name) == tmp_path / name


@pytest.mark.parametrize("name", ["/etc/passwd", "../secret_key", "a/../../secret_key", "a/../b", "./a", "a/./b",
                                  "a//b", "a/", "", ".", "..", "a\\..\\..\\b", "C:secret", "a\x00b", None, 7])
def test_names_that_could_leave_are_refused(tmp_path, name):
    with pytest.raises(UnsafePath):
        confined(tmp_path / "folder", name)


def test_symlinks_pointing_out_are_refused_and_those_inside_followed(tmp_path, outside):
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "out").symlink_to(tmp_path)  # a folder leading out
    (folder / "leak.pdf").symlink_to(outside)  # a file leading out
    (folder / "in.pdf").symlink_to(folder / "sub")
    for name in ("out/secret_key", "leak.pdf", "out/folder/../secret_key"):
        with pytest.raises(UnsafePath):
            confined(folder, name)
    assert confined(folder, "in.pdf/x") == folder / "in.pdf" / "x"
    linked = tmp_path / "linked"  # the folder itself may be a symlink (an evidence folder on another disk)
    linked.symlink_to(folder)
    assert confined(linked, "sub/a.pdf") == linked / "sub" / "a.pdf"


# --- a job's result file ------------------------------------------------------------------------------------------

@pytest.fixture
def office(app, client, make_user, login, tmp_path):
    app.config["JOBS_DIR"] = str(tmp_path / "jobs")
    user = make_user("office1", Role.OFFICE)
    login("office1")
    return user


def finished_job(user, name: object) -> Job:
    job = Job(key=os.urandom(8).hex(), kind="print", params={}, state=JobState.SUCCEEDED, created_by_id=user.id,
              result={"file": name, "filename": "证书.pdf", "pages": 1, "draft": False}, finished_at=dt.datetime.now())
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_result_inside_its_folder_is_served(client, office, tmp_path):
    results = tmp_path / "jobs" / "job_results"
    results.mkdir(parents=True)
    (results / "made.pdf").write_bytes(PDF_BYTES)
    response = client.get(f"/jobs/{finished_job(office, 'made.pdf').id}/result")
    assert response.status_code == 200 and response.data == PDF_BYTES
    response.close()


@pytest.mark.parametrize("name", ["/etc/passwd", "../../../../../../../../etc/passwd", "../secret_key",
                                  "x/../../secret_key", "leak.pdf", "out/secret_key", "..", ".", "", ["a"]])
def test_a_job_result_outside_its_folder_is_never_served(client, office, tmp_path, outside, name):
    results = tmp_path / "jobs" / "job_results"
    results.mkdir(parents=True)
    (results / "leak.pdf").symlink_to(outside)
    (results / "out").symlink_to(tmp_path)
    (tmp_path / "jobs" / "secret_key").write_bytes(SECRET)
    job = finished_job(office, name)
    response = client.get(f"/jobs/{job.id}/result")
    assert response.status_code == 404
    assert SECRET not in response.data and b"root:" not in response.data
    assert client.get(f"/jobs/{job.id}").status_code == 200  # the job's page still shows


# --- an evidence file ---------------------------------------------------------------------------------------------

@pytest.fixture
def record(app, county, make_user, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    make_user("office2", Role.OFFICE)
    activity = Activity(unit_id=county["liaison_a"].id, category=Category.IDEA, kind="提案", title="道路",
                        occurred_on=dt.date(2025, 3, 1))
    db.session.add(activity)
    db.session.commit()
    return activity


def attach(activity: Activity, sha: str) -> Evidence:
    item = Evidence(activity_id=activity.id, original_name="证明.pdf", sha256=sha, content_type=evidence.PDF,
                    size=len(PDF_BYTES))
    db.session.add(item)
    db.session.commit()
    return item


def test_an_evidence_file_is_served_only_from_the_evidence_folder(client, login, record, tmp_path, outside):
    folder = tmp_path / "evidence"
    good = attach(record, evidence.store(folder, PDF_BYTES))
    planted = "0" * 64  # a file named by a hash, but a symlink to the secret
    evidence.path_for(folder, planted).parent.mkdir(parents=True)
    os.symlink(outside, folder / planted[:2] / planted[2:])
    bad = [attach(record, planted), attach(record, "../../secret_key")]  # a row restored from a forged backup
    login("office2")
    response = client.get(f"/activities/{record.id}/evidence/{good.id}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    response.close()
    for item in bad:
        response = client.get(f"/activities/{record.id}/evidence/{item.id}")
        assert response.status_code == 404 and SECRET not in response.data
