"""The preview page every money action shows before its final POST.

The action's form posts to the action's own URL. Without a digest, the view renders this
page (nothing changes: the idempotency key is not kept) with the planned figures and a form
that re-posts the same fields, the same form key and the digest of the figures; with a
digest, the view posts, and the service refuses (StalePreview) if the figures changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from market.domain.kinds import LedgerAccount
from market.domain.money import format_fen
from market.services import previews
from market.services.previews import ReversalPlan
from market.text.pool_labels import ACCOUNT_LABELS

#: Fields of the first form not carried to the confirmation form (it has its own).
NOT_CARRIED = frozenset({"csrf_token", previews.FIELD})


@dataclass
class PreviewTable:
    """A table of the preview (e.g. the split by party)."""

    caption: str
    head: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: Sequence[int] = ()  # the columns holding amounts (right-aligned)


@dataclass
class Preview:
    """What the preview page shows and what its confirmation form sends."""

    title: str
    intro: str
    facts: Sequence[tuple[str, str]]
    digest: str
    confirm_label: str
    back: str
    tables: Sequence[PreviewTable] = field(default_factory=list)
    warnings: Sequence[str] = field(default_factory=list)
    danger: bool = False
    can_confirm: bool = True  # False: the page explains why this user cannot go on


def sent_digest() -> str | None:
    """The digest the confirmation form carries; None for a first submission."""
    value = request.form.get(previews.FIELD, "").strip()
    return value[:64] or None


def render_preview(preview: Preview, *, stale: bool = False) -> ResponseReturnValue:
    """The preview page (200, nothing changed); `stale` says the figures moved meanwhile."""
    if stale:
        flash(_(previews.STALE), "warning")
    carried = [
        (name, value)
        for name in request.form
        if name not in NOT_CARRIED
        for value in request.form.getlist(name)
    ]
    return render_template(
        "preview.html",
        preview=preview,
        carried=carried,
        digest_field=previews.FIELD,
        action=request.path,
    )


def reversal_preview(
    plan: ReversalPlan, *, title: str, intro: str, back: str, extra: Sequence[PreviewTable] = ()
) -> Preview:
    """The preview of a mirror posting: its lines and the pool's balance before and after."""
    lines = [
        [str(ACCOUNT_LABELS[LedgerAccount(a)]), format_fen(debit), format_fen(credit)]
        for a, debit, credit in plan.lines
    ]
    tables = list(extra)
    if lines:
        tables.append(
            PreviewTable(
                caption=_("The mirror posting"),
                head=[_("Account"), _("Debit"), _("Credit")],
                rows=lines,
                numeric=[1, 2],
            )
        )
    return Preview(
        title=title,
        intro=intro,
        facts=[
            (_("Pool balance before"), format_fen(plan.balance_before)),
            (_("Pool balance after"), format_fen(plan.balance_after)),
        ],
        tables=tables,
        digest=plan.digest,
        confirm_label=_("Reverse it"),
        back=back,
        danger=True,
    )
