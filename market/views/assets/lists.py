"""What the asset list sorts and filters by."""

from __future__ import annotations

from sqlmodel import col

from market.domain.kinds import AssetKind, Industry
from market.domain.messages import _l
from market.models.assets import IPAsset
from market.text.reference import INDUSTRY_LABELS, KIND_LABELS
from market.views.paging import Filter, ListSpec

ASSETS = ListSpec(
    sorts={"date": col(IPAsset.id), "title": col(IPAsset.title),
           "number": col(IPAsset.registry_number), "expiry": col(IPAsset.expiry_date)},
    default_sort="date",
    search=(col(IPAsset.title), col(IPAsset.registry_number), col(IPAsset.holder_name)),
    choices={"kind": col(IPAsset.kind), "industry": col(IPAsset.industry)},
    numbers={"owner": col(IPAsset.owner_id)},
    filters=(
        Filter("q", _l("Title, registry number or holder")),
        Filter("kind", _l("IP kind"), "choice",
               tuple((k.value, KIND_LABELS[k]) for k in AssetKind)),
        Filter("industry", _l("Industry"), "choice",
               tuple((i.value, INDUSTRY_LABELS[i]) for i in Industry)),
    ),
)
