"""Organisations and users: SME self-registration, sign-in, admin management."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from market.domain.errors import Conflict, PermissionDenied, ValidationFailed
from market.domain.identifiers import IdentifierError, normalise_uscc
from market.domain.kinds import ROLES_BY_ORG_KIND, CompanySize, OrgKind, Role
from market.domain.messages import N_, msg
from market.domain.passwords import password_problem
from market.domain.timeutil import utcnow
from market.frame.db import transaction
from market.models.audit import AuditEvent
from market.models.orgs import Organisation, User
from market.services import audit
from market.text.reference import ORG_KIND_LABELS, ROLE_LABELS

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A fixed hash to compare against when the e-mail is unknown, so timing does not leak it.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@dataclass(frozen=True, kw_only=True)
class OrganisationInput:
    kind: OrgKind
    name: str
    uscc: str
    industry: str | None = None
    size: CompanySize | None = None
    region: str = ""
    high_tech: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


@dataclass(frozen=True, kw_only=True)
class UserInput:
    email: str
    name: str
    password: str
    role: Role


def hash_password(password: str) -> str:
    """Hash a password for storage (werkzeug scrypt)."""
    return generate_password_hash(password)


def _check_password_rules(
    password: str, errors: dict[str, str], *, email: str = "", name: str = ""
) -> None:
    if problem := password_problem(password, email=email, name=name):
        errors["password"] = problem


def end_sessions(user: User) -> None:
    """End every session of `user` (the caller commits): the session version moves on."""
    user.session_version += 1


def _validate_org(session: Session, data: OrganisationInput) -> tuple[str, dict[str, str]]:
    errors: dict[str, str] = {}
    uscc = ""
    if not data.name.strip():
        errors["name"] = N_("Enter the registered company name.")
    try:
        uscc = normalise_uscc(data.uscc)
    except IdentifierError as exc:
        errors["uscc"] = str(exc)
    if uscc and session.exec(select(Organisation).where(Organisation.uscc == uscc)).first():
        errors["uscc"] = N_("An organisation with this credit code is already registered.")
    if data.contact_email and not _EMAIL_RE.match(data.contact_email):
        errors["contact_email"] = N_("Enter a valid e-mail address.")
    if data.kind is OrgKind.SME:
        if not data.industry:
            errors["industry"] = N_("Choose the industry.")
        if data.size is None:
            errors["size"] = N_("Choose the company size.")
        elif data.size is CompanySize.LARGE:
            errors["size"] = N_("The marketplace serves micro, small and medium enterprises.")
        if not data.region:
            errors["region"] = N_("Choose the region.")
    return uscc, errors


def _email_taken(session: Session, email: str) -> bool:
    return session.exec(select(User).where(User.email == email.strip().lower())).first() is not None


def _validate_user(
    session: Session, data: UserInput, org_kind: OrgKind, *, say_if_taken: bool = True
) -> dict[str, str]:
    errors: dict[str, str] = {}
    email = data.email.strip().lower()
    if not _EMAIL_RE.match(email):
        errors["email"] = N_("Enter a valid e-mail address.")
    elif say_if_taken and _email_taken(session, email):
        errors["email"] = N_("This e-mail address already has an account.")
    if not data.name.strip():
        errors["name"] = N_("Enter the person's name.")
    _check_password_rules(data.password, errors, email=email, name=data.name.strip())
    if data.role not in ROLES_BY_ORG_KIND[org_kind]:
        errors["role"] = msg(
            "The role “%(role)s” does not fit an organisation of this kind (%(kind)s).",
            role=ROLE_LABELS[data.role],
            kind=ORG_KIND_LABELS[org_kind],
        )
    return errors


def new_user(org: Organisation, data: UserInput) -> User:
    """A user row for `org` with a hashed password (the caller has validated `data`)."""
    assert org.id is not None
    return User(
        organisation_id=org.id,
        email=data.email.strip().lower(),
        name=data.name.strip(),
        password_hash=hash_password(data.password),
        role=data.role,
    )


def _new_org(data: OrganisationInput, uscc: str) -> Organisation:
    return Organisation(
        kind=data.kind,
        name=data.name.strip(),
        uscc=uscc,
        industry=data.industry or None,
        size=data.size,
        region=data.region,
        high_tech=data.high_tech,
        contact_name=data.contact_name.strip(),
        contact_phone=data.contact_phone.strip(),
        contact_email=data.contact_email.strip().lower(),
    )


def _registration_checks(
    session: Session, company: OrganisationInput, user: UserInput
) -> tuple[str, dict[str, str]]:
    uscc, org_errors = _validate_org(session, company)
    errors = {("company_name" if k == "name" else k): v for k, v in org_errors.items()}
    errors.update(_validate_user(session, user, OrgKind.SME, say_if_taken=False))
    return uscc, errors


def registration_errors(
    session: Session, *, company: OrganisationInput, user: UserInput
) -> dict[str, str]:
    """The fields of an SME's registration that break its rules (field -> English message)."""
    return _registration_checks(session, company, user)[1]


def register_sme(
    session: Session, *, company: OrganisationInput, user: UserInput
) -> tuple[Organisation, User] | None:
    """An SME registers itself and its first user, in one transaction.

    The user starts inactive until the e-mailed confirmation link is followed. None (nothing
    saved) when the e-mail already has an account: the caller answers exactly as for a new
    one, so registration does not reveal which addresses are registered.
    """
    if company.kind is not OrgKind.SME or user.role is not Role.SME:
        raise PermissionDenied(
            N_("Only SMEs can register themselves; other organisations are set up by the bureau.")
        )
    with transaction(session):
        uscc, errors = _registration_checks(session, company, user)
        if errors:
            raise ValidationFailed(N_("Please correct the marked fields."), errors=errors)
        if _email_taken(session, user.email):
            return None
        org = _new_org(company, uscc)
        session.add(org)
        session.flush()
        account = new_user(org, user)
        account.is_active = False  # until the e-mail is confirmed
        session.add(account)
        session.flush()
        audit.record(
            session,
            actor=account,
            action="organisation.register",
            obj=org,
            after=audit.snapshot(org),
        )
        audit.record(
            session, actor=account, action="user.create", obj=account, after=audit.snapshot(account)
        )
    return org, account


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (and record the sign-in)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        _record_failed_sign_in(session, email=email, user=None)
        return None
    org = session.get(Organisation, user.organisation_id)
    if (
        not check_password_hash(user.password_hash, password)
        or not user.is_active
        or org is None
        or not org.is_active
    ):
        _record_failed_sign_in(session, email=email, user=user)
        return None
    with transaction(session):
        user.last_login_at = utcnow()
        session.add(user)
        audit.record(session, actor=user, action="user.sign_in", obj=user)
    return user


def _record_failed_sign_in(session: Session, *, email: str, user: User | None) -> None:
    """Audit a refused sign-in (the e-mail as typed, cut to the column's size)."""
    with transaction(session):
        session.add(
            AuditEvent(
                actor_id=None,
                organisation_id=user.organisation_id if user else None,
                action="user.sign_in_failed",
                object_type="User",
                object_id=user.id if user else None,
                after={"email": email.strip().lower()[:254]},
                remote_addr=audit.remote_addr(),
            )
        )


def sign_out(session: Session, *, actor: User) -> None:
    """Sign out: every session of the user ends, on every device."""
    with transaction(session):
        end_sessions(actor)
        session.add(actor)
        audit.record(session, actor=actor, action="user.sign_out", obj=actor)


def create_organisation(session: Session, *, actor: User, data: OrganisationInput) -> Organisation:
    """An admin sets up an organisation (bank, insurer, valuer ... or an SME)."""
    _require_admin(actor)
    with transaction(session):
        uscc, errors = _validate_org(session, data)
        if errors:
            raise ValidationFailed(N_("Please correct the marked fields."), errors=errors)
        org = _new_org(data, uscc)
        session.add(org)
        audit.record(
            session, actor=actor, action="organisation.create", obj=org, after=audit.snapshot(org)
        )
    return org


def create_user(session: Session, *, actor: User, organisation_id: int, data: UserInput) -> User:
    """An admin adds a user to an organisation with a role that fits its kind."""
    _require_admin(actor)
    with transaction(session):
        org = session.get(Organisation, organisation_id)
        if org is None:
            raise ValidationFailed(
                N_("Choose an organisation."),
                errors={"organisation_id": N_("Unknown organisation.")},
            )
        errors = _validate_user(session, data, org.kind)
        if errors:
            raise ValidationFailed(N_("Please correct the marked fields."), errors=errors)
        user = new_user(org, data)
        session.add(user)
        audit.record(
            session,
            actor=actor,
            action="user.create",
            obj=user,
            after=audit.snapshot(user),
            organisation_id=org.id,
        )
    return user


def set_user_active(session: Session, *, actor: User, user_id: int, active: bool) -> User:
    """An admin enables or disables a user (never their own account)."""
    _require_admin(actor)
    with transaction(session):
        user = session.get(User, user_id)
        if user is None:
            raise ValidationFailed(N_("Unknown user."), errors={"user_id": N_("Unknown user.")})
        if user.id == actor.id:
            raise Conflict(N_("You cannot disable your own account."))
        before = audit.snapshot(user)
        user.is_active = active
        if not active:
            end_sessions(user)
        session.add(user)
        audit.record(
            session,
            actor=actor,
            action="user.enable" if active else "user.disable",
            obj=user,
            before=before,
            after=audit.snapshot(user),
            organisation_id=user.organisation_id,
        )
    return user


def change_password(session: Session, *, actor: User, current: str, new: str) -> None:
    """A user changes their own password."""
    if not check_password_hash(actor.password_hash, current):
        raise ValidationFailed(
            N_("The current password is wrong."),
            errors={"current_password": N_("This is not your current password.")},
        )
    errors: dict[str, str] = {}
    _check_password_rules(new, errors, email=actor.email, name=actor.name)
    if errors:
        raise ValidationFailed(
            N_("Please choose a stronger password."), errors={"new_password": errors["password"]}
        )
    with transaction(session):
        actor.password_hash = hash_password(new)
        end_sessions(actor)  # the caller signs this session in again
        session.add(actor)
        audit.record(session, actor=actor, action="user.change_password", obj=actor)


def set_locale(session: Session, *, actor: User, locale: str, available: list[str]) -> None:
    """Remember a user's language."""
    if locale not in available:
        raise ValidationFailed(
            N_("Unsupported language."), errors={"locale": N_("Unsupported language.")}
        )
    with transaction(session):
        before = {"locale": actor.locale}
        actor.locale = locale
        session.add(actor)
        audit.record(
            session,
            actor=actor,
            action="user.set_locale",
            obj=actor,
            before=before,
            after={"locale": locale},
        )


def _require_admin(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(N_("Only an administrator can manage organisations and users."))
