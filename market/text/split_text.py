"""Notes on a claim's split (why a cap moved part of the loss), in the reader's language.

riskpool.waterfall states each adjustment as an English sentence with amounts; like the
enrolment reasons (enrolment_text), the site recognises each sentence and shows it through the
translation catalog with amounts formatted like the rest of the site. An unknown sentence (a
future library wording, or a note stored by an older version) is shown as it is.
"""

from __future__ import annotations

import re

from market.domain.messages import N_, msg, translate
from market.text.enrolment_text import CNY_PATTERN as _CNY
from market.text.enrolment_text import cny_to_fen_text
from market.text.labels import PARTY_LABELS

# The parenthesised words of riskpool.waterfall (_COVERED_WHY and the cut() reasons).
_WHY = {
    "the IP-backed part of a loan with other collateral":
        N_("the IP-backed part of a loan with other collateral"),
    "the scheme's cap on the covered part of a loan":
        N_("the scheme's cap on the covered part of a loan"),
    "what is left of the borrower's yearly cap": N_("what is left of the borrower's yearly cap"),
    "per-loan payout cap": N_("per-loan payout cap"),
    "what is left of the annual budget": N_("what is left of the annual budget"),
    "its balance": N_("its balance"),
}

_COVERED = re.compile(
    rf"^only {_CNY} of the loan's {_CNY} is covered \((.+)\); {_CNY} of "
    r"the loss stays with the bank$"
)
_FIRST = re.compile(
    rf"^only the first {_CNY} of a loan's loss is shared; {_CNY} stays with the "
    r"bank$"
)
_CUT = re.compile(rf"^the pool pays at most {_CNY} \((.+)\); {_CNY} falls to the (\w+)$")


def localise_split_note(note: str) -> str:
    """One split note in the current language."""
    found = _COVERED.match(note)
    if found and found.group(3) in _WHY:
        return msg(
            N_("Only %(a)s of the loan's %(b)s is covered (%(why)s); %(c)s of the loss stays "
               "with the bank."),
            a=cny_to_fen_text(found.group(1)), b=cny_to_fen_text(found.group(2)),
            why=translate(_WHY[found.group(3)]), c=cny_to_fen_text(found.group(4)),
        )
    found = _FIRST.match(note)
    if found:
        return msg(
            N_("Only the first %(a)s of a loan's loss is shared; %(b)s stays with the bank."),
            a=cny_to_fen_text(found.group(1)), b=cny_to_fen_text(found.group(2)),
        )
    found = _CUT.match(note)
    if found and found.group(2) in _WHY and found.group(4) in PARTY_LABELS:
        return msg(
            N_("The pool pays at most %(a)s (%(why)s); %(b)s falls to the %(party)s."),
            a=cny_to_fen_text(found.group(1)), why=translate(_WHY[found.group(2)]),
            b=cny_to_fen_text(found.group(3)), party=str(PARTY_LABELS[found.group(4)]),
        )
    return note
