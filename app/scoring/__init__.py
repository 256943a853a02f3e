"""The pure scoring engine (no Flask, no database): rule files → RuleSet; subjects + records → ScoreCards."""
from app.scoring.awards import AwardOutcome, award_outcomes, select_awards
from app.scoring.cards import (AwardResult, Flag, GateResult, Line, Note, PartScore, Place, RecordPoints, ScoreCard,
                               SectionScore, card_from_json, to_jsonable)
from app.scoring.engine import score, validate_records
from app.scoring.errors import RuleError
from app.scoring.grades import assign_grades
from app.scoring.hashing import content_hash
from app.scoring.loader import load_dir, load_ruleset
from app.scoring.ranking import Standing, rank, rank_cards
from app.scoring.rules import RuleSet
from app.scoring.types import SUBJECT_ATTRIBUTES, HistoryEntry, Record, Subject, TermSpan

__all__ = [
    "SUBJECT_ATTRIBUTES", "AwardOutcome", "AwardResult", "Flag", "GateResult", "HistoryEntry", "Line", "Note", "PartScore", "Place",
    "Record", "RecordPoints", "RuleError", "RuleSet", "ScoreCard", "SectionScore", "Standing", "Subject", "TermSpan",
    "assign_grades", "award_outcomes", "card_from_json", "content_hash", "load_dir", "load_ruleset", "rank", "rank_cards", "score",
    "select_awards", "to_jsonable", "validate_records",
]
