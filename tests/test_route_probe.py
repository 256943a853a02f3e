"""Data scope on every route: each rule of `app.url_map`, each method, visited as every role with ids of data
outside that role's scope; the answer is the sign-in page, 403 or 404, never someone else's data and never a 500.

A route missing from ROUTES fails `test_every_route_is_classified`: classify each new route here (its roles and
what its path parameters are) before it ships. PROBED is the figure docs/security.md reports.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.scope import scoped
from app.extensions import db
from app.models import (Activity, ActivityParticipant, AwardList, BranchVisit, Candidate, Certificate, CertificateKind,
                        Counterpart, Enterprise, Evidence, Meeting, Member, Objection, Pairing, PairingEntry,
                        PartyMember, PrinterProfile, Project, ProjectProgress, ProjectService, RecordState, Review,
                        ReviewEntry, Role, SubjectKind, Term, Unit, UnitKind, User, VisitForm)
from conftest import text_of

# 264 (rule, method) pairs, 8 visitors (anonymous and the seven demo accounts): 2112 pairs probed.
RULE_METHODS = 264
VISITORS = ("anonymous", "member", "clerk", "clerk2", "liaison", "leader", "office", "admin")
PROBED = RULE_METHODS * len(VISITORS)

ADMIN, OFFICE, LEADER, CLERK, LIAISON, MEMBER = (Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CLERK, Role.LIAISON,
                                                 Role.MEMBER)
SIGNED_IN = frozenset(Role)
COUNTY = frozenset({ADMIN, OFFICE, LEADER})
SCOPED = ("member", "clerk", "clerk2", "liaison")
PUBLIC = None  # open to everyone: the sign-in page, the 公示 and 委员风采 pages, the certificate check


@dataclass(frozen=True)
class Route:
    """Who may use a rule (per method when they differ) and what its path parameters name.

    `also`: answers besides 403/404 that are right for an allowed scoped role given another unit's ids (a county-wide
    object such as a review, whose page then shows only the role's own rows).
    """

    roles: frozenset[Role] | dict[str, frozenset[Role]] | None
    params: dict[str, str] = field(default_factory=dict)
    also: frozenset[int] = frozenset()

    def allowed(self, method: str) -> frozenset[Role] | None:
        return self.roles.get(method) if isinstance(self.roles, dict) else self.roles


def r(roles: object, also: tuple[int, ...] = (), **params: str) -> Route:
    if roles is not None and not isinstance(roles, dict):
        roles = frozenset(roles)  # type: ignore[arg-type]
    return Route(roles, params, frozenset(also))  # type: ignore[arg-type]


RECORD = (CLERK, LIAISON, OFFICE, ADMIN)
VERIFY = (OFFICE, ADMIN)
SELF_REPORT_VERIFY = (OFFICE, ADMIN, CLERK)  # a clerk: their own units' members' own reports (the default setting)
ENTRY = (CLERK, OFFICE, ADMIN)
PARTY_ENTRY = (LIAISON, OFFICE, ADMIN)
AWARD_VIEWERS = (ADMIN, OFFICE, LEADER, CLERK, LIAISON)  # a liaison: the lists of 企业主 only
RECOMMENDERS = (CLERK, LIAISON, OFFICE, ADMIN)
BRANCH_VIEWERS = (ADMIN, OFFICE, LEADER, LIAISON)
MEETING_READERS = (ADMIN, OFFICE, LEADER, CLERK, LIAISON)
MEETING_CREATORS = (OFFICE, CLERK, LIAISON)
CHECKIN_HOSTS = (OFFICE, CLERK)  # the 签到 screen: the office, or the organising unit's clerk
REVIEW_VIEWERS = (ADMIN, OFFICE, LEADER, CLERK, LIAISON)
IMPORTERS = (ADMIN, OFFICE, CLERK, LIAISON)
PAIRING_READERS = (ADMIN, OFFICE, LEADER, CLERK, MEMBER)
BRANCH_RESULT = {"GET": frozenset(BRANCH_VIEWERS), "POST": frozenset(PARTY_ENTRY)}

ROUTES: dict[str, Route] = {
    "/": r(SIGNED_IN),
    "/coverage/": r(BRANCH_VIEWERS),
    "/coverage/enterprises/<int:enterprise_id>/<int:year>": r(PARTY_ENTRY, enterprise_id="enterprise", year="year"),
    "/coverage/enterprises/new": r(VERIFY),
    "/coverage/enterprises/<int:enterprise_id>/owner": r(PARTY_ENTRY, enterprise_id="enterprise"),
    "/activities/": r((ADMIN, OFFICE, LEADER, CLERK, LIAISON, MEMBER)),
    "/activities/<int:activity_id>": r(SIGNED_IN, activity_id="activity"),
    "/activities/<int:activity_id>/delete": r(RECORD, activity_id="activity"),
    "/activities/<int:activity_id>/edit": r(RECORD, activity_id="activity"),
    "/activities/<int:activity_id>/evidence": r((*RECORD, MEMBER), activity_id="activity"),  # a member: own report
    "/activities/<int:activity_id>/evidence/<int:evidence_id>": r(SIGNED_IN, activity_id="activity",
                                                                  evidence_id="evidence"),
    "/activities/<int:activity_id>/evidence/<int:evidence_id>/remove": r(RECORD, activity_id="activity",
                                                                         evidence_id="evidence"),
    "/activities/<int:activity_id>/publish": r(VERIFY, activity_id="activity"),
    "/activities/<int:activity_id>/reopen": r(VERIFY, activity_id="activity"),
    "/activities/<int:activity_id>/return": r(SELF_REPORT_VERIFY, activity_id="activity"),
    "/activities/<int:activity_id>/submit": r(RECORD, activity_id="activity"),
    "/activities/<int:activity_id>/verify": r(SELF_REPORT_VERIFY, activity_id="activity"),
    "/activities/new/<category>": r(RECORD, category="category"),
    "/activities/party-members.json": r(PARTY_ENTRY),
    "/activities/queue": r(SELF_REPORT_VERIFY),
    "/activities/queue/verify": r(SELF_REPORT_VERIFY),
    "/activities/settings": r(VERIFY),
    "/activities/report": r((MEMBER,)),
    "/activities/report/<category>": r((MEMBER,), category="idea"),
    "/activities/subjects.json": r(ENTRY),
    "/admin/account-policy": r((ADMIN,)),
    "/admin/audit-log": r((ADMIN,)),
    "/admin/enterprises/<int:enterprise_id>/edit": r((ADMIN,), enterprise_id="enterprise"),
    "/admin/login-log": r((ADMIN,)),
    "/admin/settings": r((ADMIN,)),
    "/admin/units": r((ADMIN,)),
    "/admin/units/<int:unit_id>/edit": r((ADMIN,), unit_id="branch"),
    "/admin/units/<int:unit_id>/enterprises/new": r((ADMIN,), unit_id="branch"),
    "/admin/units/new": r((ADMIN,)),
    "/admin/users": r((ADMIN,)),
    "/admin/users/<int:user_id>/edit": r((ADMIN,), user_id="user"),
    "/admin/users/<int:user_id>/reset-password": r((ADMIN,), user_id="user"),
    "/admin/users/<int:user_id>/unlock": r((ADMIN,), user_id="user"),
    "/admin/users/new": r((ADMIN,)),
    "/auth/login": r(PUBLIC),
    "/auth/logout": r(SIGNED_IN),
    "/auth/password": r(SIGNED_IN),
    "/awards/": r(AWARD_VIEWERS),
    # a clerk sees a list only while it is recommended, and then only their units' picks
    "/awards/<int:list_id>": r(AWARD_VIEWERS, also=(200,), list_id="award_list"),
    "/awards/<int:list_id>/approve": r(VERIFY, list_id="award_list"),
    "/awards/<int:list_id>/ballot": r((LEADER,), also=(302,), list_id="award_list"),
    "/awards/<int:list_id>/conclude": r(VERIFY, list_id="award_list"),
    "/awards/<int:list_id>/finalise": r(VERIFY, list_id="award_list"),
    "/awards/<int:list_id>/log": r(AWARD_VIEWERS, also=(200,), list_id="award_list"),
    "/awards/<int:list_id>/publish": r(VERIFY, list_id="award_list"),
    "/awards/<int:list_id>/recommend": r(RECOMMENDERS, also=(200, 302), list_id="award_list"),
    "/awards/<int:list_id>/reopen": r((ADMIN,), list_id="award_list"),
    "/awards/<int:list_id>/start": r(VERIFY, list_id="award_list"),
    "/awards/<int:list_id>/submit": r(RECOMMENDERS, also=(302,), list_id="award_list"),
    "/awards/candidates/<int:candidate_id>/deeds": r(RECOMMENDERS, candidate_id="candidate"),
    "/awards/candidates/<int:candidate_id>/withdraw": r(RECOMMENDERS, candidate_id="candidate"),
    "/awards/notices/<int:review_id>": r((ADMIN, OFFICE, LEADER), review_id="review"),
    "/awards/objections/<int:objection_id>/handle": r(VERIFY, objection_id="objection"),
    "/awards/open/<int:review_id>": r(VERIFY, review_id="review"),
    "/branches/": r(BRANCH_VIEWERS),
    "/branches/<int:unit_id>": r(BRANCH_VIEWERS, unit_id="branch"),
    "/branches/<int:unit_id>/results/<period>": r(BRANCH_RESULT, unit_id="branch", period="period"),
    "/branches/<int:unit_id>/results/<period>/reopen": r(VERIFY, unit_id="branch", period="period"),
    "/branches/<int:unit_id>/results/<period>/return": r(VERIFY, unit_id="branch", period="period"),
    "/branches/<int:unit_id>/results/<period>/verify": r(VERIFY, unit_id="branch", period="period"),
    "/branches/<int:unit_id>/visits/new": r(PARTY_ENTRY, unit_id="branch"),
    "/branches/<int:unit_id>/visits/<int:visit_id>/edit": r(PARTY_ENTRY, unit_id="branch", visit_id="branch_visit"),
    "/branches/<int:unit_id>/visits/<int:visit_id>/delete": r(PARTY_ENTRY, unit_id="branch", visit_id="branch_visit"),
    "/branches/party-members": r(BRANCH_VIEWERS),
    "/branches/results": r(BRANCH_VIEWERS),
    "/dashboard/": r(AWARD_VIEWERS),
    "/dashboard/warnings": r(AWARD_VIEWERS),
    "/documents/": r(VERIFY),
    "/documents/calibration.pdf": r(VERIFY),
    "/documents/certificates/<int:cert_id>/revoke": r(VERIFY, cert_id="certificate"),
    "/documents/dossier/<int:member_id>.pdf": r((ADMIN, OFFICE, LEADER, CLERK, MEMBER), member_id="member"),
    "/documents/printers/<int:printer_id>": r(VERIFY, printer_id="printer"),
    "/documents/printers/new": r(VERIFY),
    "/documents/review/<int:review_id>": r(VERIFY, review_id="review"),
    "/documents/review/<int:review_id>/<name>.pdf": r(VERIFY, review_id="review", name="document"),
    "/documents/review/<int:review_id>/<name>.xlsx": r(VERIFY, review_id="review", name="document"),
    "/documents/review/<int:review_id>/<name>.docx": r(VERIFY, review_id="review", name="document"),
    # the 表彰决定's text: the office edits it, a leader reads it
    "/documents/review/<int:review_id>/decision": r({"GET": frozenset((ADMIN, OFFICE, LEADER)),
                                                     "POST": frozenset(VERIFY)}, review_id="review"),
    "/documents/review/<int:review_id>/rewards": r(VERIFY, review_id="review"),
    "/documents/settings": r(VERIFY),
    # 四联系: the office assigns, the office and clerks log within scope; a member logs their own (a 常委: their
    # contacts with their members) and keeps their own page
    "/contacts/": r(AWARD_VIEWERS),
    "/contacts/links": r({"GET": frozenset(AWARD_VIEWERS), "POST": frozenset(VERIFY)}),
    "/contacts/links/<int:link_id>/delete": r(VERIFY, link_id="contact_link"),
    "/contacts/links/<int:link_id>/edit": r(VERIFY, link_id="contact_link"),
    "/contacts/log": r({"GET": frozenset(AWARD_VIEWERS), "POST": frozenset(ENTRY)}),
    "/contacts/log/units": r(ENTRY),
    "/contacts/log/<int:contact_id>/delete": r((*ENTRY, MEMBER), contact_id="contact"),
    "/contacts/masses": r({"GET": frozenset((*AWARD_VIEWERS, MEMBER)),  # a member: to their own page
                           "POST": frozenset((*ENTRY, MEMBER))}),      # a member: their own
    "/contacts/masses/<int:entry_id>/delete": r((*ENTRY, MEMBER), entry_id="mass_contact"),
    "/contacts/mine": r((MEMBER,)),
    # 通报处理: the office writes, the leading group reads, a clerk reads their units' members' cases
    "/followup/": r(AWARD_VIEWERS),
    "/followup/<int:case_id>": r(AWARD_VIEWERS, case_id="followup"),
    "/followup/<int:case_id>/consult": r(VERIFY, case_id="followup"),
    "/followup/<int:case_id>/decide": r(VERIFY, case_id="followup"),
    "/followup/<int:case_id>/talk": r(VERIFY, case_id="followup"),
    "/followup/open/<int:review_id>": r(VERIFY, review_id="review"),
    "/followup/open/<int:review_id>/<int:member_id>": r(VERIFY, review_id="review", member_id="member"),
    "/healthz": r(PUBLIC),
    "/imports/": r(IMPORTERS),
    "/imports/<name>/check": r(IMPORTERS, name="dataset"),
    "/imports/<name>/confirm": r(IMPORTERS, name="dataset"),
    # another account's upload is not in this account's folder: "uploaded too long ago", back to the imports page
    "/imports/<name>/errors/<token>": r(IMPORTERS, also=(302,), name="dataset", token="token"),
    "/imports/<name>/template.xlsx": r(IMPORTERS, name="dataset"),
    # the roster is the whole county's: the office and the administrator only; an upload lives in its owner's folder
    "/imports/roster/": r(VERIFY),
    "/imports/roster/<token>": r(VERIFY, token="token"),
    "/imports/roster/<token>/columns": r(VERIFY, token="token"),
    "/imports/roster/<token>/confirm": r(VERIFY, token="token"),
    "/imports/roster/<token>/errors": r(VERIFY, token="token"),
    # a job is its submitter's (and the office's and the admin's to watch); anyone else's reads as not found
    "/jobs/": r(SIGNED_IN),
    "/jobs/<int:job_id>": r(SIGNED_IN, job_id="job"),
    "/jobs/<int:job_id>.json": r(SIGNED_IN, job_id="job"),
    "/jobs/<int:job_id>/cancel": r(SIGNED_IN, job_id="job"),
    "/jobs/<int:job_id>/result": r(SIGNED_IN, job_id="job"),
    "/lang/<code>": r(PUBLIC, code="language"),
    "/meetings/": r(MEETING_READERS),
    "/meetings/<int:meeting_id>/attendance": r(MEETING_READERS, meeting_id="meeting"),
    "/meetings/<int:meeting_id>/checkin": r(CHECKIN_HOSTS, meeting_id="meeting"),
    "/meetings/<int:meeting_id>/checkin/printed": r(CHECKIN_HOSTS, meeting_id="meeting"),
    "/meetings/<int:meeting_id>/checkin/absent": r(CHECKIN_HOSTS, meeting_id="meeting"),
    "/meetings/<int:meeting_id>/checkin/renew": r(CHECKIN_HOSTS, meeting_id="meeting"),
    "/meetings/<int:meeting_id>/checkin/times": r(CHECKIN_HOSTS, meeting_id="meeting"),
    "/meetings/<int:meeting_id>/checkin/state.json": r(CHECKIN_HOSTS, meeting_id="meeting"),
    # a member's scan of a meeting's code: the probe's token is no valid code, so it is refused (403)
    "/meetings/checkin/<token>": r((MEMBER,), token="token"),
    "/meetings/<int:meeting_id>/invitees": r(MEETING_CREATORS, meeting_id="meeting"),
    "/meetings/<int:meeting_id>/return": r((OFFICE,), meeting_id="meeting"),
    "/meetings/<int:meeting_id>/verify": r((OFFICE,), meeting_id="meeting"),
    "/meetings/new": r(MEETING_CREATORS),
    "/meetings/types": r((ADMIN, OFFICE)),
    "/meetings/types/edit": r((ADMIN, OFFICE)),
    "/members/": r(AWARD_VIEWERS),
    "/members/<int:member_id>": r(SIGNED_IN, member_id="member"),
    "/members/<int:member_id>/edit": r((ADMIN, OFFICE, CLERK), member_id="member"),
    "/members/me/year": r((MEMBER,)),
    "/members/mine": r((MEMBER,)),
    "/members/new": r(VERIFY),
    "/notices/": r(SIGNED_IN),
    "/notices/<int:notice_id>/open": r(SIGNED_IN, notice_id="notice"),
    "/notices/<int:notice_id>/read": r(SIGNED_IN, notice_id="notice"),
    "/notices/read-all": r(SIGNED_IN),
    # 联一户 register: a clerk's units' members' and units' pairings; the leader reads all, a member their own
    "/pairings/": r(PAIRING_READERS),
    "/pairings/<int:pairing_id>": r(PAIRING_READERS, pairing_id="pairing"),
    "/pairings/<int:pairing_id>/edit": r(ENTRY, pairing_id="pairing"),
    "/pairings/<int:pairing_id>/entries": r(ENTRY, pairing_id="pairing"),
    "/pairings/<int:pairing_id>/entries/<int:entry_id>/record": r(ENTRY, pairing_id="pairing", entry_id="pairing_entry"),
    "/pairings/<int:pairing_id>/entries/<int:entry_id>/edit": r(ENTRY, pairing_id="pairing", entry_id="pairing_entry"),
    "/pairings/<int:pairing_id>/entries/<int:entry_id>/delete": r(ENTRY, pairing_id="pairing",
                                                                  entry_id="pairing_entry"),
    "/pairings/counterparts/<int:counterpart_id>/edit": r(ENTRY, counterpart_id="counterpart"),
    "/pairings/new": r(ENTRY),
    # 引一企 register: scoped like the 联一户 one
    "/projects/": r(PAIRING_READERS),
    "/projects/<int:project_id>": r(PAIRING_READERS, project_id="project"),
    "/projects/<int:project_id>/edit": r(ENTRY, project_id="project"),
    "/projects/<int:project_id>/services": r(ENTRY, project_id="project"),
    "/projects/<int:project_id>/stages": r(ENTRY, project_id="project"),
    "/projects/<int:project_id>/stages/<int:stage_id>/edit": r(ENTRY, project_id="project", stage_id="project_stage"),
    "/projects/<int:project_id>/stages/<int:stage_id>/delete": r(ENTRY, project_id="project", stage_id="project_stage"),
    "/projects/<int:project_id>/services/<int:service_id>/edit": r(ENTRY, project_id="project",
                                                                   service_id="project_service"),
    "/projects/<int:project_id>/services/<int:service_id>/delete": r(ENTRY, project_id="project",
                                                                     service_id="project_service"),
    "/projects/<int:project_id>/stages/<int:stage_id>/record": r(ENTRY, project_id="project",
                                                                 stage_id="project_stage"),
    "/projects/new": r(ENTRY),
    "/public/highlights": r(PUBLIC),
    "/public/highlights.xml": r(PUBLIC),
    "/public/highlights/<int:activity_id>": r(PUBLIC, activity_id="activity"),
    "/public/highlights/embed": r(PUBLIC),
    "/public/publicity": r(PUBLIC),
    "/public/publicity/<int:list_id>": r(PUBLIC, list_id="award_list"),
    "/reviews/": r({"GET": frozenset(REVIEW_VIEWERS), "POST": frozenset(VERIFY)}),
    "/rules/": r(VERIFY),
    "/rules/<int:rule_file_id>": r(VERIFY, rule_file_id="rule_file"),
    "/rules/<int:rule_file_id>/adopt": r(VERIFY, rule_file_id="rule_file"),
    "/rules/<int:rule_file_id>/compare": r(VERIFY, rule_file_id="rule_file"),
    "/rules/<int:rule_file_id>/copy": r(VERIFY, rule_file_id="rule_file"),
    "/rules/<int:rule_file_id>/download": r(VERIFY, rule_file_id="rule_file"),
    "/rules/templates/<name>": r(VERIFY, name="template"),
    "/rules/upload": r(VERIFY),
    # a review is the county's; a clerk's or liaison's page of it holds only their own subjects
    "/reviews/<int:review_id>": r(REVIEW_VIEWERS, also=(200,), review_id="review"),
    "/reviews/<int:review_id>/compare": r(REVIEW_VIEWERS, review_id="review"),
    "/reviews/<int:review_id>/subjects/<int:subject_id>": r(REVIEW_VIEWERS, review_id="review", subject_id="subject"),
    "/reviews/term/<int:term_id>": r(AWARD_VIEWERS, also=(200,), term_id="term"),
    "/reviews/term/<int:term_id>/members/<int:member_id>": r(AWARD_VIEWERS, term_id="term", member_id="member"),
    "/setup/accounts": r((ADMIN,)),
    "/setup/accounts/reissue": r((ADMIN,)),
    "/setup/organisation": r((ADMIN,)),
    "/setup/terms": r(VERIFY),  # the office reads it and starts 换届 from it
    "/setup/terms/<int:term_id>/close": r((ADMIN,), term_id="term"),
    "/setup/terms/<int:term_id>/edit": r((ADMIN,), term_id="term"),
    "/setup/terms/<int:term_id>/reopen": r((ADMIN,), term_id="term"),
    "/setup/terms/<int:term_id>/rollover": r(VERIFY, term_id="term"),
    "/setup/terms/new": r((ADMIN,)),
    "/setup/years": r(VERIFY),
    "/setup/years/<int:year>": r(VERIFY, year="year"),
    "/setup/years/<int:year>/close": r(VERIFY, year="year"),
    "/setup/years/<int:year>/reopen": r((ADMIN,), year="year"),
    "/setup/years/open": r(VERIFY),
    "/static/<path:filename>": r(PUBLIC, filename="static"),
    "/verify": r(PUBLIC),
    "/verify/<path:number>": r(PUBLIC, number="certificate_number"),
}
# Public routes with an id must still show only published things: an unpublished record, a list not in 公示.
ID_KINDS = {"activity", "evidence", "member", "meeting", "branch", "enterprise", "user", "award_list", "candidate",
            "objection", "certificate", "printer", "review", "subject", "job", "token", "notice", "followup",
            "pairing", "pairing_entry", "counterpart", "project", "project_stage", "project_service", "branch_visit",
            "contact_link", "contact", "mass_contact"}
PUBLIC_IDS_REFUSED = {"/public/highlights/<int:activity_id>", "/public/publicity/<int:list_id>"}


def rule_methods(app: Flask) -> list[tuple[str, str]]:
    return sorted({(rule.rule, method) for rule in app.url_map.iter_rules()
                   for method in rule.methods - {"HEAD", "OPTIONS"}})


def test_every_route_is_classified(app):
    rules = {rule for rule, _m in rule_methods(app)}
    missing = sorted(rules - ROUTES.keys())
    assert not missing, (f"classify these routes in tests/test_route_probe.py ROUTES (who may use them, what their "
                         f"path parameters name; public ones only after review): {missing}")
    stale = sorted(ROUTES.keys() - rules)
    assert not stale, f"these routes are gone: remove them from ROUTES in tests/test_route_probe.py: {stale}"
    for rule, method in rule_methods(app):
        roles = ROUTES[rule].roles
        assert not isinstance(roles, dict) or method in roles, f"{rule}: say who may use {method}"
    assert len(rule_methods(app)) == RULE_METHODS, (
        f"{len(rule_methods(app))} (rule, method) pairs now: update RULE_METHODS and the figure in docs/security.md")


# --- the county, and the ids of data outside each role's scope ---------------------------------------------------


@dataclass
class World:
    users: dict[str, User]
    ids: dict[str, dict[str, object]]  # visitor → parameter kind → value
    markers: dict[str, list[str]]  # scoped visitor → names only of data outside their scope
    foreign_unit: int  # a unit no scoped account acts for, for `?unit=` filters


def _visible(model: type, user: User) -> set[int]:
    return set(db.session.scalars(scoped(model, user).with_only_columns(sa.inspect(model).primary_key[0])))


def _outside(model: type, users: list[User], *where: object) -> list[int]:
    seen: set[int] = set().union(*(_visible(model, u) for u in users))
    pk = sa.inspect(model).primary_key[0]
    return [i for i in db.session.scalars(sa.select(pk).where(*where).order_by(pk)) if i not in seen]


def _names_outside(review: Review, seen: set[int], exclude: set[int], inside: list[str], n: int) -> list[str]:
    """The best ranked names of a review outside `seen`, each unique in the county and in no name inside."""
    counts: dict[str, int] = {}
    for name in [*db.session.scalars(sa.select(Member.name)), *db.session.scalars(sa.select(PartyMember.name)),
                 *db.session.scalars(sa.select(Unit.name))]:
        counts[name] = counts.get(name, 0) + 1
    found = []
    for entry in db.session.scalars(sa.select(ReviewEntry).where(ReviewEntry.review_id == review.id)
                                    .order_by(ReviewEntry.rank, ReviewEntry.id)):
        name = entry.subject_name
        if entry.subject_id in seen | exclude or counts.get(name) != 1 or len(name) < 3:
            continue
        if any(name in other for other in inside):
            continue
        found.append(name)
        if len(found) == n:
            break
    assert len(found) == n, (review.subject_kind, found)
    return found


def build_world(app: Flask, tmp_path) -> World:
    """On the demo county with its year finished (the `finished_year` fixture), what the probe visits."""
    from app.activities import services as activities
    app.config.update(DEMO_MODE=True, EVIDENCE_DIR=str(tmp_path / "evidence"), IMPORT_DIR=str(tmp_path / "imports"),
                      LOGIN_RATE_LIMIT="1000 per minute", OBJECTION_RATE_LIMIT="1000 per minute")
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    scoped_users = [users[n] for n in SCOPED]
    office = users["office"]

    member_id = _outside(Member, scoped_users)[0]
    activity_id = _outside(Activity, scoped_users, Activity.state == RecordState.DRAFT, Activity.member_id.is_not(None),
                           Activity.published.is_(False))[0]
    activity = db.session.get(Activity, activity_id)
    evidence, error = activities.add_evidence(activity, office, "证明.pdf", b"%PDF-1.4\n%probe\n%%EOF\n")
    assert evidence is not None, error
    meeting_id = _outside(Meeting, scoped_users)[0]
    branch_id = _outside(Unit, scoped_users, Unit.kind == UnitKind.BRANCH)[0]
    party_member_id = _outside(PartyMember, scoped_users)[0]
    enterprise_id = db.session.scalar(sa.select(Enterprise.id).where(Enterprise.branch_id == branch_id).limit(1))
    pairing_id = _outside(Pairing, scoped_users)[0]
    pairing_entry_id = db.session.scalar(sa.select(PairingEntry.id).where(PairingEntry.pairing_id == pairing_id))
    counterpart_id = _outside(Counterpart, scoped_users)[0]
    project_id = _outside(Project, scoped_users)[0]
    project_stage_id = db.session.scalar(sa.select(ProjectProgress.id).where(ProjectProgress.project_id == project_id))
    service = ProjectService(project_id=project_id, occurred_on=dt.date(2025, 6, 1), content="探测用跟踪服务")
    visit = BranchVisit(branch_id=branch_id, visited_on=dt.date(2025, 6, 1), form=VisitForm.VISIT, content="探测用走访",
                        visitor="探测", created_at=dt.datetime(2025, 6, 1, 9, 0))
    members_review = db.session.scalar(sa.select(Review).where(Review.subject_kind == SubjectKind.MEMBERS))
    branches_review = db.session.scalar(sa.select(Review).where(Review.subject_kind == SubjectKind.BRANCHES))
    party_review = db.session.scalar(sa.select(Review).where(Review.subject_kind == SubjectKind.PARTY_MEMBERS))
    award_list = db.session.scalar(sa.select(AwardList).where(AwardList.review_id == members_review.id))
    clerk_units = {u.id for n in ("clerk", "clerk2") for u in users[n].units}
    from app.auth.scope import units_below
    clerk_units = units_below(clerk_units)
    candidate = next(c for c in award_list.candidates if c.unit_id not in clerk_units)
    objection = Objection(award_list_id=award_list.id, candidate_id=candidate.id, name="", contact="13900000000",
                          text="异议")
    certificate = Certificate(number="2025-四个一-9001", kind=CertificateKind.CERTIFICATE, candidate_id=candidate.id,
                              sequence=9001, year=2025, campaign="四个一", subject_name=candidate.subject_name,
                              honour="2025年度优秀政协委员", issuer="县政协", issued_on=dt.date(2025, 12, 31),
                              created_by_id=office.id)
    printer = PrinterProfile(name="办公室打印机")
    target = User(username="probe_target", display_name="被探测账号", role=Role.CLERK, password_hash="x",
                  units=[db.session.get(Unit, branch_id)])
    from app.models import Job
    job = Job(key="probe" * 6, kind="print", params={}, created_by_id=office.id)
    from app import rulefiles
    rules = (app.config["SCORING_RULES_DIR"] / "2025-四个一-委员.yaml").read_bytes()
    rule_file = rulefiles.save_version(2025, SubjectKind.MEMBERS, "2025-四个一-委员.yaml", rules, office)
    db.session.add_all([objection, certificate, printer, target, job, service, visit])
    db.session.flush()
    from app.models import Notice
    notice = Notice(user_id=target.id, kind="returned", text="探测用通知", link=f"/activities/{activity_id}")
    db.session.add(notice)
    from app.awards.services import notices
    from app.followup.services import open_cases
    outside = set(_outside(Member, scoped_users))
    listed = next(n.subject_id for n in notices(members_review) if n.subject_id in outside)
    opened, there = open_cases(members_review, [listed], office)  # a 通报 case of a member no scoped account sees
    case = (opened or there)[0]
    from app.models import Contact, ContactLink  # 四联系 rows neither end of which a scoped account sees
    link = db.session.scalar(sa.select(ContactLink).where(ContactLink.to_member_id.in_(outside),
                                                          ContactLink.from_member_id.in_(outside)).limit(1))
    contact = db.session.scalar(sa.select(Contact).where(Contact.member_id.in_(outside),
                                                         Contact.by_member_id.in_(outside)).limit(1))
    from app.models import MassContact
    mass_contact_id = _outside(MassContact, scoped_users)[0]
    db.session.commit()
    token = "ab" * 32  # an upload waiting in the office's folder
    (tmp_path / "imports" / str(office.id)).mkdir(parents=True)
    (tmp_path / "imports" / str(office.id) / token).write_bytes(b"not a workbook")

    common = {"activity": activity_id, "evidence": evidence.id, "member": member_id, "meeting": meeting_id,
              "branch": branch_id, "enterprise": enterprise_id, "user": target.id, "award_list": award_list.id,
              "candidate": candidate.id, "objection": objection.id, "certificate": certificate.id,
              "printer": printer.id, "period": "2025H1", "document": "awards", "dataset": "records", "token": token,
              "language": "zh_Hans_CN", "static": "css/app.css", "certificate_number": certificate.number,
              "idea": "IDEA", "category": "IDEA", "review": members_review.id, "subject": member_id,
              "party_member": party_member_id, "job": job.id, "rule_file": rule_file.id, "notice": notice.id,
              "template": "2025-四个一-委员.yaml", "term": db.session.scalar(sa.select(Term.id)), "year": 2025,
              "followup": case.id, "pairing": pairing_id, "pairing_entry": pairing_entry_id,
              "counterpart": counterpart_id, "project": project_id, "project_stage": project_stage_id,
              "project_service": service.id, "branch_visit": visit.id, "contact_link": link.id, "contact": contact.id,
              "mass_contact": mass_contact_id}
    ids = {v: dict(common) for v in VISITORS}
    ids["liaison"] |= {"category": "CONTRIBUTION", "review": branches_review.id, "subject": branch_id}

    markers: dict[str, list[str]] = {}
    for name in ("member", "clerk", "clerk2"):
        user = users[name]
        seen = _visible(Member, user)
        cosigners = set(db.session.scalars(sa.select(ActivityParticipant.member_id).where(
            ActivityParticipant.activity_id.in_(_visible(Activity, user)))))
        inside = list(db.session.scalars(sa.select(Member.name).where(Member.id.in_(seen))))
        markers[name] = _names_outside(members_review, seen, cosigners, inside, 6)
    liaison = users["liaison"]
    seen_people = _visible(PartyMember, liaison)
    inside = list(db.session.scalars(sa.select(PartyMember.name).where(PartyMember.id.in_(seen_people))))
    inside += [u.name for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(_visible(Unit, liaison))))]
    markers["liaison"] = (_names_outside(party_review, seen_people, set(), inside, 4)
                          + _names_outside(branches_review, _visible(Unit, liaison), set(), inside, 2)
                          + _names_outside(members_review, set(), set(), inside, 2))
    foreign_unit = _outside(Unit, scoped_users, Unit.kind == UnitKind.COMMITTEE)[0]
    return World(users, ids, markers, foreign_unit)


# --- probing -----------------------------------------------------------------------------------------------------

PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def path_of(rule: str, ids: dict[str, object]) -> str:
    return PARAM.sub(lambda m: str(ids[ROUTES[rule].params[m.group(1)]]), rule)


def post_body(ids: dict[str, object]) -> dict[str, object]:
    """A form naming other units' rows wherever a form can name one."""
    subject = f"p:{ids['party_member']}" if ids["category"] == "CONTRIBUTION" else f"m:{ids['member']}"
    return {"subject": subject, "subject_id": str(ids["member"]), "member_id": str(ids["member"]),
            "ids": str(ids["activity"]), "unit_id": str(ids["branch"]), f"status-{ids['member']}": "ABSENT",
            "candidate_id": str(ids["candidate"]), "token": str(ids["token"]), "reason": "越权探测", "version": "1"}


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/auth/login"


def readable(response, asked: str = "") -> str:
    """What a person would read in the answer: page text, JSON values, CSV cells (binary files: nothing)."""
    kind = response.mimetype or ""
    if kind == "application/json":
        return json.dumps(response.get_json(), ensure_ascii=False)
    if kind in ("text/csv", "text/plain", "application/xml", "application/rss+xml", "application/atom+xml",
                "text/xml"):
        return response.get_data().decode("utf-8-sig", errors="replace")
    if kind == "text/html":  # the text and every attribute, but not the search box repeating what was asked
        html = response.get_data(as_text=True).replace(f'value="{asked}"', "") if asked else response.get_data(
            as_text=True)
        return text_of(response) + " " + " ".join(re.findall(r'="([^"]*)"', html))
    return ""


def sign_in(client: FlaskClient, visitor: str) -> None:
    from app.demo import PASSWORD
    client.post("/auth/logout")
    if visitor != "anonymous":
        response = client.post("/auth/login", data={"username": visitor, "password": PASSWORD})
        assert response.status_code == 302, text_of(response)


# Tables a visit may write whatever it is: the login log and the account's own sign-in bookkeeping.
# (notice: a visitor's 全部标为已读 marks its own notices read; test_inbox_notices checks nobody else's)
BOOKKEEPING = {"login_event", "user", "password_history", "notice"}


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    db.session.expire_all()
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name in BOOKKEEPING:
            continue
        rows = db.session.execute(sa.select(table)).all()
        out[table.name] = sorted((tuple(map(repr, row)) for row in rows))
    return out


def probe_all(client: FlaskClient, world: World, visitor: str) -> tuple[int, list[str]]:
    """Every (rule, method) as `visitor`; the number probed and what went wrong."""
    app = client.application
    ids = world.ids[visitor]
    role = None if visitor == "anonymous" else world.users[visitor].role
    markers = world.markers.get(visitor, [])
    failures: list[str] = []
    count = 0
    sign_in(client, visitor)
    for rule, method in rule_methods(app):
        if rule not in ROUTES:
            continue  # test_every_route_is_classified says so
        route = ROUTES[rule]
        allowed = route.allowed(method)
        path = path_of(rule, ids)
        variants = [path]
        has_ids = any(kind in ID_KINDS for kind in route.params.values())
        if role is not None and allowed is not None and role in allowed and not has_ids and method == "GET" \
                and visitor in SCOPED:
            # the same page filtered by another unit, searched for another unit's name, exported
            variants += [f"{path}?{urlencode({'unit': world.foreign_unit, 'branch': ids['branch']})}",
                         f"{path}?{urlencode({'q': markers[0]})}", f"{path}?export=csv"]
        count += 1
        for url in variants:
            response = client.open(url, method=method, data=post_body(ids) if method == "POST" else None)
            where = f"{visitor} {method} {url}: {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{where} (server error)")
            elif allowed is None:  # public: open to all, but never an unpublished thing by its id
                if rule in PUBLIC_IDS_REFUSED and response.status_code != 404:
                    failures.append(f"{where} (an unpublished record or a list not in 公示 must be 404)")
            elif role is None:
                if not is_login_redirect(response):
                    failures.append(f"{where} (anonymous: expected a redirect to the sign-in page)")
            elif role not in allowed:
                if response.status_code != 403:
                    failures.append(f"{where} (role {role.name} may not use it: expected 403)")
            elif visitor in SCOPED:
                if has_ids and response.status_code not in {403, 404} | route.also:
                    failures.append(f"{where} (another unit's data: expected 403 or 404)")
                elif is_login_redirect(response) and rule != "/auth/logout":
                    failures.append(f"{where} (signed out?)")
                text = readable(response, markers[0] if "q=" in url else "")
                leaked = [m for m in markers if m in text]
                if leaked:
                    failures.append(f"{where} shows data outside the scope: {leaked}")
            response.close()
            if rule in ("/auth/logout", "/auth/login", "/auth/password") or is_login_redirect(response):
                sign_in(client, visitor)
    return count, failures


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_route_keeps_to_the_visitors_scope(app, client, tmp_path, finished_year, visitor):
    world = build_world(app, tmp_path)
    before = snapshot() if visitor in SCOPED or visitor == "anonymous" else None
    count, failures = probe_all(client, world, visitor)
    assert not failures, "\n".join(failures)
    assert count == sum(1 for rule, _m in rule_methods(app) if rule in ROUTES)
    if before is not None:  # nothing another unit owns changed, and nothing was added for it
        after = snapshot()
        changed = sorted(name for name in before if before[name] != after[name])
        assert not changed, f"{visitor}'s probes wrote to {changed}"


def test_the_markers_are_real_names_the_county_roles_can_see(app, client, tmp_path, finished_year):
    """The leak check looks for names that do show up on these pages for a county role: it cannot pass vacuously."""
    world = build_world(app, tmp_path)
    sign_in(client, "office")
    for visitor in ("clerk", "clerk2", "member"):
        marker = world.markers[visitor][0]
        assert marker in text_of(client.get(f"/members/?{urlencode({'q': marker})}")), (visitor, marker)
    page = text_of(client.get(f"/reviews/{world.ids['clerk']['review']}"))
    assert all(m in page for m in world.markers["clerk"][:3])
    party = world.markers["liaison"][0]
    assert party in text_of(client.get(f"/branches/party-members?{urlencode({'q': party})}"))
    assert client.get(f"/activities/{world.ids['clerk']['activity']}").status_code == 200
    ids = world.ids["clerk"]
    with client.get(f"/activities/{ids['activity']}/evidence/{ids['evidence']}") as response:
        assert response.status_code == 200
