"""Every table, re-exported so Alembic and the app see them all."""
from app.models.audit import AuditLog
from app.models.contacts import Contact, ContactLink, MassContact
from app.models.awards import (AwardList, Candidate, Certificate, DecisionText, Objection, PrinterProfile, PrintLog,
                               RewardAmount, Vote)
from app.models.enums import (AttendanceStatus, AwardListState, BranchForm, CandidateState, Category,
                              CertificateKind, ContactForm, ContactLinkKind, CounterpartKind, FollowupDecision,
                              FollowupState, FollowupStep, Gender, Invitees, LeaveState, MeetingKind, ObjectionOutcome, PartyStatus,
                              ProjectStage, RecordState, ReviewKind, ReviewState, Role, RuleFileState, SubjectKind,
                              SupportKind, UnitKind, VisitForm, VoteChoice)
from app.models.followup import Followup, FollowupEntry
from app.models.jobs import Job, JobState
from app.models.notices import Announcement, AnnouncementKind, Notice, Reply
from app.models.org import AppraisalYear, BranchVisit, Enterprise, EnterpriseFigures, Term, Unit
from app.models.people import Member, MemberUnitChange, PartyMember
from app.models.registers import Counterpart, Pairing, PairingEntry, Project, ProjectProgress, ProjectService
from app.models.records import (Activity, ActivityParticipant, Attendance, BranchIndicator, BranchResult,
                                Evidence, Meeting, MeetingType)
from app.models.reviews import Review, ReviewEntry, RuleSet
from app.models.rules import HistoricalResult, RuleFile
from app.models.settings import Setting
from app.models.users import LoginEvent, LoginThrottle, PasswordHistory, User, user_unit

__all__ = [
    "Activity", "ActivityParticipant", "Announcement", "AnnouncementKind", "AppraisalYear", "Attendance", "AttendanceStatus", "AuditLog", "AwardList",
    "AwardListState", "BranchForm", "BranchIndicator", "BranchResult", "BranchVisit", "Candidate", "CandidateState",
    "Category", "Certificate", "CertificateKind", "Contact", "ContactForm", "ContactLink", "ContactLinkKind",
    "Counterpart", "CounterpartKind", "DecisionText", "Enterprise", "EnterpriseFigures", "Evidence", "Followup",
    "FollowupDecision", "FollowupEntry", "FollowupState", "FollowupStep", "Gender", "HistoricalResult", "Invitees",
    "Job", "JobState", "LeaveState", "LoginEvent", "LoginThrottle", "MassContact", "Meeting", "MeetingKind", "MeetingType", "Member",
    "MemberUnitChange", "Notice", "Objection", "ObjectionOutcome", "Pairing", "PairingEntry", "PartyMember",
    "PartyStatus", "PasswordHistory", "PrintLog", "PrinterProfile", "Project", "ProjectProgress", "ProjectService",
    "ProjectStage", "RecordState", "Reply", "Review", "ReviewEntry", "ReviewKind", "ReviewState", "RewardAmount", "Role",
    "RuleFile", "RuleFileState", "RuleSet", "Setting", "SubjectKind", "SupportKind", "Term", "Unit", "UnitKind", "User",
    "VisitForm", "Vote", "VoteChoice", "user_unit",
]
