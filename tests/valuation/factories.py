"""Builders of valid facts for the valuation tests: plain examples, random ones, strategies."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, cast

from hypothesis import strategies as st

import valuation as v
from valuation.vocab import (
    GI_TYPES,
    INDUSTRIES,
    KINDS,
    LEGAL_STATUSES,
    MATURITIES,
    PATENT_KINDS,
    QUALITY_STANDARDS,
)

AS_OF = date(2025, 6, 1)
CNY = 100  # fen per yuan


def invention(**overrides: Any) -> v.InventionPatentFacts:
    """A solid, fully described invention patent in electronics."""
    facts: dict[str, Any] = dict(
        industry="electronics",
        legal_status="valid",
        filing_date=date(2018, 3, 1),
        grant_date=date(2020, 5, 1),
        annual_revenue=50_000_000 * CNY,
        revenue_growth=0.08,
        licences=2,
        claims=15,
        independent_claims=2,
        family_size=4,
        countries=3,
        forward_citations=12,
        backward_citations=20,
        maturity="mass_production",
        development_cost=3_000_000 * CNY,
    )
    facts.update(overrides)
    return v.InventionPatentFacts(**facts)


def trademark(**overrides: Any) -> v.TrademarkFacts:
    """A registered consumer-goods trademark in use."""
    facts: dict[str, Any] = dict(
        industry="consumer_goods",
        legal_status="valid",
        filing_date=date(2010, 1, 10),
        grant_date=date(2011, 3, 1),
        first_use_date=date(2009, 6, 1),
        annual_revenue=80_000_000 * CNY,
        revenue_growth=0.04,
        nice_classes=(3, 21, 35),
        continuous_use=True,
        renewals=1,
        international_registrations=4,
        development_cost=500_000 * CNY,
    )
    facts.update(overrides)
    return v.TrademarkFacts(**facts)


def gi_mark(**overrides: Any) -> v.GIMarkFacts:
    """A GI certification mark of an agricultural region whose holder collects 600k CNY a year."""
    facts: dict[str, Any] = dict(
        industry="agriculture",
        legal_status="valid",
        filing_date=date(2012, 4, 1),
        grant_date=date(2013, 8, 1),
        gi_type="certification",
        regional_output_value=2_000_000_000 * CNY,
        holder_fee_income=600_000 * CNY,
        authorised_users=80,
        quality_standard="provincial",
        demonstration_zone=True,
        nice_classes=(31,),
    )
    facts.update(overrides)
    return v.GIMarkFacts(**facts)


def random_facts(kind: str, rng: random.Random) -> v.Facts:
    """A random but valid facts record of one kind (optional facts sometimes missing)."""
    filing = date(2004, 1, 1) + timedelta(days=rng.randrange(0, 7700))
    status = rng.choice(LEGAL_STATUSES)
    grant = None
    if status != "pending" and rng.random() < 0.85:
        grant = filing + timedelta(days=rng.randrange(0, 1500))
    common: dict[str, Any] = dict(
        industry=rng.choice(INDUSTRIES),
        legal_status=status,
        filing_date=filing,
        grant_date=grant,
        expiry_date=(filing + timedelta(days=rng.randrange(1600, 7400)))
        if rng.random() < 0.4
        else None,
        annual_revenue=rng.randrange(0, 10**11) if rng.random() < 0.8 else None,
        revenue_growth=round(rng.uniform(-0.1, 0.3), 4) if rng.random() < 0.7 else None,
        licences=rng.randrange(0, 12),
        litigation_won=rng.randrange(0, 4),
        litigation_lost=rng.randrange(0, 3),
        development_cost=rng.randrange(0, 10**9) if rng.random() < 0.5 else None,
    )
    if common["expiry_date"] is not None and grant is not None:
        common["expiry_date"] = max(common["expiry_date"], grant + timedelta(days=1))
    if kind in PATENT_KINDS:
        claims = rng.randrange(1, 40) if rng.random() < 0.85 else None
        family = rng.randrange(1, 30)
        patent_class = cast(type[v.PatentFacts], v.facts_class(kind))
        patent = patent_class(
            **common,
            claims=claims,
            independent_claims=rng.randrange(1, claims + 1)
            if claims and rng.random() < 0.7
            else None,
            family_size=family,
            countries=rng.randrange(1, family + 1),
            forward_citations=rng.randrange(0, 80),
            backward_citations=rng.randrange(0, 50) if rng.random() < 0.5 else None,
            invalidation_survived=rng.randrange(0, 3),
            invalidation_pending=rng.random() < 0.1,
            standard_essential=rng.random() < 0.1,
            maturity=rng.choice(MATURITIES) if rng.random() < 0.8 else None,
            licence_income=rng.randrange(0, 10**9) if rng.random() < 0.3 else None,
        )
        return cast(v.Facts, patent)
    classes = tuple(rng.sample(range(1, 46), rng.randrange(1, 8)))
    if kind == "trademark":
        return v.TrademarkFacts(
            **common,
            nice_classes=classes,
            first_use_date=filing - timedelta(days=rng.randrange(0, 3000))
            if rng.random() < 0.6
            else None,
            continuous_use=rng.random() < 0.7,
            renewals=rng.randrange(0, 3),
            oppositions_lost=rng.randrange(0, 3),
            oppositions_won=rng.randrange(0, 3),
            well_known=rng.random() < 0.1,
            international_registrations=rng.randrange(0, 30),
            licence_income=rng.randrange(0, 10**9) if rng.random() < 0.3 else None,
        )
    region = rng.randrange(0, 10**13)
    return v.GIMarkFacts(
        **common,
        gi_type=rng.choice(GI_TYPES),
        regional_output_value=region,
        holder_fee_income=rng.randrange(0, min(region, 10**9) + 1) if rng.random() < 0.5 else None,
        own_sales_under_mark=rng.randrange(0, min(region, 10**10) + 1)
        if rng.random() < 0.4
        else None,
        authorised_users=rng.randrange(0, 400),
        quality_standard=rng.choice(QUALITY_STANDARDS),
        demonstration_zone=rng.random() < 0.3,
        nice_classes=classes if rng.random() < 0.8 else (),
    )


@st.composite
def facts_of(draw: st.DrawFn, kind: str) -> v.Facts:
    """Hypothesis strategy: any valid facts record of `kind`."""
    return random_facts(kind, random.Random(draw(st.integers(0, 2**32 - 1))))


any_kind = st.sampled_from(KINDS)


@st.composite
def any_facts(draw: st.DrawFn) -> v.Facts:
    """Hypothesis strategy: valid facts of any kind."""
    return draw(facts_of(draw(any_kind)))


@st.composite
def valued_invention(draw: st.DrawFn) -> v.InventionPatentFacts:
    """Hypothesis strategy: valid, in-force invention patents with revenue (income approach)."""
    filing = draw(st.dates(date(2006, 1, 1), date(2024, 1, 1)))
    claims = draw(st.integers(1, 40))
    family = draw(st.integers(1, 30))
    return v.InventionPatentFacts(
        industry=draw(st.sampled_from(INDUSTRIES)),
        legal_status="valid",
        filing_date=filing,
        grant_date=filing + timedelta(days=draw(st.integers(0, 1500))),
        expiry_date=filing + timedelta(days=draw(st.integers(1600, 7305))),
        annual_revenue=draw(st.integers(1, 10**11)),
        revenue_growth=draw(st.floats(-0.2, 0.4, allow_nan=False)),
        licences=draw(st.integers(0, 12)),
        claims=claims,
        independent_claims=draw(st.integers(1, claims)),
        family_size=family,
        countries=draw(st.integers(1, family)),
        forward_citations=draw(st.integers(0, 100)),
        invalidation_survived=draw(st.integers(0, 3)),
        standard_essential=draw(st.booleans()),
        maturity=draw(st.sampled_from(MATURITIES)),
    )
