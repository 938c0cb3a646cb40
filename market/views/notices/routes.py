"""The notifications pages: the list (newest first, paginated), opening one (marks it read and
goes to what it is about), marking all read, and which kinds also come by e-mail."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.domain.kinds import NoticeKind
from market.domain.messages import translate
from market.frame.db import get_session
from market.models.notifications import Notification
from market.services import notifications as svc
from market.text.notice_text import KIND_LABELS, LINKS, notice_words
from market.views.authz import actor, signed_in
from market.views.paging import ListSpec, paginate

bp = Blueprint("notices", __name__, url_prefix="/notifications")

SPEC = ListSpec(sorts={"date": Notification.created_at}, default_sort="date")


def link_of(notice: Notification) -> str:
    """The page a notice is about."""
    endpoint, arg, key = LINKS[notice.kind]
    if arg is None or key is None:
        return url_for(endpoint)
    return url_for(endpoint, **{arg: notice.params.get(key, 0)})


def shown(notice: Notification) -> dict[str, Any]:
    """A notice as the list shows it, in the reader's language."""
    title, body = notice_words(notice.kind, notice.params, translate)
    return {"notice": notice, "title": title, "body": body}


@bp.route("/")
@signed_in
def index() -> ResponseReturnValue:
    """The reader's notices, newest first; unread ones stand out."""
    session = get_session()
    user = actor()
    page = paginate(session, svc.notices_of(user.id or 0), SPEC, tiebreak=Notification.id)
    return render_template(
        "notices/index.html", page=page, rows=[shown(n) for n in page.items]
    )


@bp.route("/<int:notice_id>/open", methods=["POST"])
@signed_in
def open_notice(notice_id: int) -> ResponseReturnValue:
    """Mark the notice read and go to what it is about."""
    notice = svc.mark_read(get_session(), actor=actor(), notice_id=notice_id)
    return redirect(link_of(notice))


@bp.route("/read", methods=["POST"])
@signed_in
def read_all() -> ResponseReturnValue:
    """Mark every notice read."""
    count = svc.mark_all_read(get_session(), actor=actor())
    flash(_("%(count)s notifications marked read.", count=count), "info")
    return redirect(url_for("notices.index"))


@bp.route("/email", methods=["GET", "POST"])
@signed_in
def email_choices() -> ResponseReturnValue:
    """Which kinds of notice also come by e-mail (notices in the site are always kept)."""
    session = get_session()
    user = actor()
    if request.method == "POST":
        given = set(request.form.getlist("email"))
        wanted = {kind for kind in NoticeKind if kind.value in given}
        svc.set_email_choices(session, actor=user, wanted=wanted)
        flash(_("Your e-mail choices are saved."), "info")
        return redirect(url_for("notices.email_choices"))
    return render_template(
        "notices/email.html", choices=svc.email_choices(session, user), labels=KIND_LABELS
    )
