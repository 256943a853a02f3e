"""E-mail for notices, off unless MAIL_SMTP_HOST is set (a county intranet may have no mail server).

A notice's e-mail is queued on the database session and sent only after the transaction commits: a rolled-back
action mails nobody, and a mail server that is down or refuses never undoes the action (the failure is logged).
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_QUEUE = "notices.mail"


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    user: str
    password: str
    sender: str
    ssl: bool
    starttls: bool
    timeout: float


def settings() -> Settings | None:
    """The SMTP settings from the config, or None when e-mail is off."""
    config = current_app.config
    host = str(config.get("MAIL_SMTP_HOST") or "").strip()
    if not host:
        return None
    return Settings(host, int(config.get("MAIL_SMTP_PORT") or 25), str(config.get("MAIL_SMTP_USER") or ""),
                    str(config.get("MAIL_SMTP_PASSWORD") or ""), str(config.get("MAIL_FROM") or "") or
                    str(config.get("MAIL_SMTP_USER") or "") or f"noreply@{host}",
                    bool(config.get("MAIL_SMTP_SSL")), bool(config.get("MAIL_SMTP_STARTTLS")),
                    float(config.get("MAIL_SMTP_TIMEOUT") or 10))


def queue(session: Session, to: str, subject: str, body: str) -> None:
    """Send this mail once `session` commits (nothing when e-mail is off or `to` is empty)."""
    found = settings()
    if found is None or not to.strip():
        return
    session.info.setdefault(_QUEUE, []).append((found, to.strip(), subject, body))


def send(found: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = found.sender, to, subject
    message.set_content(body)
    kind = smtplib.SMTP_SSL if found.ssl else smtplib.SMTP
    with kind(found.host, found.port, timeout=found.timeout) as smtp:
        if found.starttls and not found.ssl:
            smtp.starttls()
        if found.user:
            smtp.login(found.user, found.password)
        smtp.send_message(message)


@sa.event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    for found, to, subject, body in session.info.pop(_QUEUE, []):
        try:
            send(found, to, subject, body)
        except (OSError, smtplib.SMTPException) as error:  # never the action's failure: it has been committed
            log.warning("notice e-mail to %s not sent: %s", to, error)


@sa.event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    session.info.pop(_QUEUE, None)
