"""Registration, sign-in, sign-out and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from market.domain.errors import ValidationFailed
from market.domain.kinds import CompanySize, OrgKind, Role
from market.frame.db import get_session
from market.frame.extensions import limiter
from market.services import accounts
from market.text.reference import ROLE_LABELS
from market.views.auth.forms import LoginForm, PasswordForm, RegisterForm
from market.views.authz import actor, signed_in
from market.views.formtools import apply_errors

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


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
@limiter.limit(_login_limit, methods=["POST"])
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
    """Sign out."""
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """An SME registers itself and its first user."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        company = accounts.OrganisationInput(
            kind=OrgKind.SME,
            name=form.company_name.data,
            uscc=form.uscc.data,
            industry=form.industry.data,
            size=CompanySize(form.size.data),
            region=form.region.data,
            high_tech=bool(form.high_tech.data),
            contact_name=form.contact_name.data,
            contact_phone=form.contact_phone.data,
            contact_email=form.email.data,
        )
        person = accounts.UserInput(
            email=form.email.data, name=form.name.data, password=form.password.data, role=Role.SME
        )
        try:
            _org, user = accounts.register_sme(get_session(), company=company, user=person)
        except ValidationFailed as exc:
            for message in apply_errors(form, exc.errors):
                flash(message, "error")
        else:
            login_user(user)
            flash(
                _("Your company is registered. Add your first IP asset to get it valued."),
                "success",
            )
            return redirect(url_for("assets.index"))
    return render_template("auth/register.html", form=form)


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
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, role_labels=ROLE_LABELS)
