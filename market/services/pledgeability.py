"""Whether a listed asset may go into a financing request as collateral.

Two rules, both from issue 10 and docs/valuation.md:
- the asset's valuation must allow a loan (`pledgeable`, valuation model 2.0): an asset with no
  revenue evidence and no development cost, or one not in force, has no loan value;
- a GI collective or certification mark is registered to an association or a public body, and
  only its holder can pledge it (DOMAIN.md, "GI marks and copyright"; 商标法 Art. 3 on collective
  and certification marks). The listing company may pledge it if it is the registrant named on
  the asset (the "Registered holder" field, empty meaning the company itself), or if the
  listing says the association named as holder has consented in writing (`holder_consent`).
"""

from __future__ import annotations

import unicodedata

from market.domain.kinds import AssetKind
from market.domain.messages import msg
from market.models.assets import IPAsset
from market.models.orgs import Organisation
from market.models.valuations import AssetValuation


def same_name(a: str, b: str) -> bool:
    """True if two registered names are the same, ignoring width, case and spaces."""

    def norm(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).casefold().split())

    return norm(a) == norm(b)


def is_pledgeable(valuation: AssetValuation) -> bool:
    """The valuation's verdict; a stored 1.x result without one counts as its maximum loan > 0."""
    verdict = valuation.result.get("pledgeable")
    return bool(verdict) if isinstance(verdict, bool) else valuation.max_loan > 0


def holder_may_pledge(asset: IPAsset, lister: Organisation) -> bool:
    """True unless the asset is a GI mark whose holder is someone else who has not consented."""
    if asset.kind is not AssetKind.GI_MARK:
        return True
    holder = asset.holder_name.strip()
    if not holder or same_name(holder, lister.name):
        return True
    return bool(asset.facts.get("holder_consent"))


def pledge_refusal(
    asset: IPAsset, valuation: AssetValuation, lister: Organisation
) -> str | None:
    """Why the asset cannot be put in a financing request (translated), or None if it can."""
    if not is_pledgeable(valuation):
        if valuation.result.get("loan_note_code") == "no_value_evidence":
            return msg(
                "“%(title)s” cannot be pledged: its valuation gives no loan value because there "
                "is no revenue evidence (own product revenue or licence income; for a GI mark, "
                "the holder's fees or your own sales under the mark) and no development cost. "
                "Add one of these facts; the asset is valued again when you save it.",
                title=asset.title,
            )
        return msg(
            "“%(title)s” cannot be pledged: its valuation gives no loan value (the valuation "
            "report says why).",
            title=asset.title,
        )
    if not holder_may_pledge(asset, lister):
        return msg(
            "“%(title)s” is a GI mark registered to %(holder)s, not to %(company)s: only its "
            "holder can pledge it. If the holder has consented in writing, say so on the "
            "listing (edit the asset); otherwise the holder must pledge it.",
            title=asset.title,
            holder=asset.holder_name.strip(),
            company=lister.name,
        )
    return None
