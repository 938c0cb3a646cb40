"""Registration, sign-in, sign-out and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from market.domain.errors import ValidationFailed
from market.domain.kinds import CompanySize, OrgKind, Role
from market.frame.db import get_session, transaction
from market.frame.extensions import limiter
from market.services import accounts, passwords
from market.text.reference import ROLE_LABELS
from market.views.auth import mail
from market.views.auth.forms import ForgotForm, LoginForm, PasswordForm, RegisterForm, ResetForm
from market.views.auth.throttle import (
    account_key,
    failed_sign_in,
    login_account_limit,
    login_limit,
    registration_limit,
    reset_limit,
)
from market.views.authz import actor, signed_in
from market.views.formtools import add_check_errors, apply_errors

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a relative `next` link on this site."""
    if (
        target
        and not urlsplit(target).netloc
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(
    login_account_limit, key_func=account_key, methods=["POST"], deduct_when=failed_sign_in
)
def login() -> ResponseReturnValue:
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(
            get_session(), email=form.email.data, password=form.password.data
        )
        if user is not None:
            login_user(user)
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [_("Wrong e-mail or password, or the account is disabled.")]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout() -> ResponseReturnValue:
    """Sign out: every session of the user ends, on every device."""
    accounts.sign_out(get_session(), actor=actor())
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(registration_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    """An SME registers itself and its first user."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        company, person = _registration(form)
        session = get_session()
        try:
            created = accounts.register_sme(session, company=company, user=person)
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            # The same answer whether or not the address already had an account.
            with transaction(session):
                if created is None:
                    mail.send_already_registered(session, person.email.strip().lower())
                else:
                    mail.send_confirmation(session, created[1])
            return render_template("auth/check_email.html", email=person.email)
    elif form.is_submitted():  # the service's checks too, so every field shows its error now
        company, person = _registration(form)
        add_check_errors(
            form, accounts.registration_errors(get_session(), company=company, user=person)
        )
    return render_template("auth/register.html", form=form)


def _registration(form: RegisterForm) -> tuple[accounts.OrganisationInput, accounts.UserInput]:
    """The service's inputs from the registration form (empty where a field did not parse)."""
    size = form.size.data
    company = accounts.OrganisationInput(
        kind=OrgKind.SME,
        name=form.company_name.data or "",
        uscc=form.uscc.data or "",
        industry=form.industry.data,
        size=CompanySize(size) if size in set(CompanySize) else None,
        region=form.region.data or "",
        high_tech=bool(form.high_tech.data),
        contact_name=form.contact_name.data or "",
        contact_phone=form.contact_phone.data or "",
        contact_email=form.email.data or "",
    )
    person = accounts.UserInput(
        email=form.email.data or "",
        name=form.name.data or "",
        password=form.password.data or "",
        role=Role.SME,
    )
    return company, person


@bp.route("/confirm/<token>")
def confirm(token: str) -> ResponseReturnValue:
    """Follow the link e-mailed at registration: the account is activated and signed in."""
    try:
        user = passwords.confirm_email(get_session(), secret=mail.secret(), token=token)
    except ValidationFailed as exc:
        flash(_(exc.message), "error")
        return redirect(url_for("auth.login"))
    login_user(user)
    flash(_("Your company is registered. Add your first IP asset to get it valued."), "success")
    return redirect(url_for("assets.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(reset_limit, methods=["POST"])
@limiter.limit(reset_limit, key_func=account_key, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a password reset link by e-mail (the answer never says if the address exists)."""
    form = ForgotForm()
    if form.validate_on_submit():
        passwords.request_reset(
            get_session(),
            email=form.email.data,
            link=mail.reset_link,
            secret=mail.secret(),
            subject=_("Reset your password"),
            body=mail.reset_body,
            echo=mail.echo(),
        )
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(reset_limit, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password with the e-mailed link; every session of the user ends."""
    session = get_session()
    if passwords.user_for_token(
        session,
        secret=mail.secret(),
        purpose=passwords.RESET,
        token=token,
        max_age=passwords.RESET_MAX_AGE,
    ) is None:
        flash(_("This reset link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            passwords.reset_password(
                session, secret=mail.secret(), token=token, new=form.new_password.data
            )
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            logout_user()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account() -> ResponseReturnValue:
    """See your account and change your password."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                get_session(),
                actor=actor(),
                current=form.current_password.data,
                new=form.new_password.data,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc.errors)
        else:
            login_user(actor())  # this session goes on; every other one has ended
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, role_labels=ROLE_LABELS)
