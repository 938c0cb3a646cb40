"""The words of notifications: a notice stores its kind and parameters, and is written here
in the reader's language each time it is shown or e-mailed (the caller passes the translator:
the request's for pages, the recipient's for e-mails)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from market.domain.kinds import NoticeKind
from market.domain.messages import N_, _l
from market.domain.money import format_fen

Translate = Callable[[str], str]

#: (title, body) msgids of each kind, with named parameters.
TEMPLATES: dict[NoticeKind, tuple[str, str]] = {
    NoticeKind.NEW_REQUEST: (
        N_("New financing request no. %(request)s"),
        N_("%(company)s asks for %(amount)s over %(months)s months."),
    ),
    NoticeKind.OFFER_TO_APPROVE: (
        N_("An offer waits for your approval"),
        N_("%(officer)s proposed %(amount)s at %(rate)s%% a year on request no. %(request)s."),
    ),
    NoticeKind.OFFER_RECEIVED: (
        N_("You have an offer on request no. %(request)s"),
        N_("%(bank)s offers %(amount)s at %(rate)s%% a year, valid until %(expires)s."),
    ),
    NoticeKind.OFFER_SENT_BACK: (
        N_("Your offer on request no. %(request)s was sent back"),
        N_("The approver sent your offer of %(amount)s back: %(reason)s"),
    ),
    NoticeKind.PAYMENT_DUE: (
        N_("A payment is due on %(due)s"),
        N_("Instalment %(number)s of loan no. %(loan)s, %(amount)s, is due on %(due)s."),
    ),
    NoticeKind.PAYMENT_OVERDUE: (
        N_("A payment is overdue"),
        N_(
            "Instalment %(number)s of loan no. %(loan)s, %(amount)s, was due on %(due)s and is "
            "not fully paid: penalty interest accrues until it is."
        ),
    ),
    NoticeKind.CLAIM_FILED: (
        N_("A claim was filed on loan no. %(loan)s"),
        N_("%(bank)s claims compensation for a loss of %(loss)s on loan no. %(loan)s."),
    ),
    NoticeKind.CLAIM_DECIDED: (
        N_("Your claim on loan no. %(loan)s was decided"),
        N_("The bureau decided your claim on loan no. %(loan)s."),
    ),
    NoticeKind.SUSPENSION: (
        N_("Compensation to your bank is suspended for %(year)s"),
        N_(
            "Your bank's compensated losses of %(losses)s in %(year)s are above %(pct)s%% of "
            "the %(enrolled)s it enrolled that year: new claims wait until the bureau lifts "
            "the suspension."
        ),
    ),
}

#: A decided claim's body by outcome (the kind's default body is the fallback).
CLAIM_OUTCOMES: dict[str, str] = {
    "approved": N_(
        "The bureau approved your claim on loan no. %(loan)s: the pool pays %(paid)s of the "
        "%(loss)s loss."
    ),
    "rejected": N_("The bureau rejected your claim on loan no. %(loan)s: %(reason)s"),
}

#: Parameters that hold money in fen (shown as CNY).
MONEY_PARAMS = frozenset({"amount", "loss", "paid", "losses", "enrolled"})

#: What each kind's e-mail choice is called on the preferences page.
KIND_LABELS = {
    NoticeKind.NEW_REQUEST: _l("A new financing request to my bank"),
    NoticeKind.OFFER_TO_APPROVE: _l("An offer waiting for my approval"),
    NoticeKind.OFFER_RECEIVED: _l("An offer received on my request"),
    NoticeKind.OFFER_SENT_BACK: _l("My offer sent back by the approver"),
    NoticeKind.PAYMENT_DUE: _l("A payment due within 7 days"),
    NoticeKind.PAYMENT_OVERDUE: _l("An overdue payment"),
    NoticeKind.CLAIM_FILED: _l("A claim filed by a bank"),
    NoticeKind.CLAIM_DECIDED: _l("A decision on my bank's claim"),
    NoticeKind.SUSPENSION: _l("A suspension of my bank's compensation"),
}

#: The page a notice links to: (endpoint, URL argument, parameter holding its value).
LINKS: dict[NoticeKind, tuple[str, str | None, str | None]] = {
    NoticeKind.NEW_REQUEST: ("lending.request_detail", "request_id", "request"),
    NoticeKind.OFFER_TO_APPROVE: ("lending.request_detail", "request_id", "request"),
    NoticeKind.OFFER_RECEIVED: ("lending.request_detail", "request_id", "request"),
    NoticeKind.OFFER_SENT_BACK: ("lending.request_detail", "request_id", "request"),
    NoticeKind.PAYMENT_DUE: ("lending.loan_detail", "loan_id", "loan"),
    NoticeKind.PAYMENT_OVERDUE: ("lending.loan_detail", "loan_id", "loan"),
    NoticeKind.CLAIM_FILED: ("pool.claims", None, None),
    NoticeKind.CLAIM_DECIDED: ("lending.loan_detail", "loan_id", "loan"),
    NoticeKind.SUSPENSION: ("main.dashboard", None, None),
}


def _shown(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as a reader sees them: money in CNY, a rate in basis points as %."""
    shown = dict(params)
    for key in MONEY_PARAMS & shown.keys():
        if isinstance(shown[key], int):
            shown[key] = format_fen(shown[key])
    if isinstance(shown.get("rate"), int):
        shown["rate"] = f"{shown['rate'] / 100:.2f}"
    return shown


class _Missing(dict[str, Any]):
    """Parameters where one a template names but the notice lacks shows as a dash."""

    def __missing__(self, key: str) -> str:
        return "—"


def notice_words(
    kind: NoticeKind, params: Mapping[str, Any], translate: Translate
) -> tuple[str, str]:
    """The (title, body) of a notice in the language of `translate`."""
    title, body = TEMPLATES[kind]
    if kind is NoticeKind.CLAIM_DECIDED:
        body = CLAIM_OUTCOMES.get(str(params.get("outcome")), body)
    values = _Missing(_shown(params))
    return translate(title) % values, translate(body) % values
