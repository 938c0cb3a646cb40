"""What the administrator's lists (audit log, organisations, users) sort and filter by."""

from __future__ import annotations

from sqlmodel import col

from market.domain.kinds import OrgKind, Role
from market.domain.messages import _l
from market.models.audit import AuditEvent
from market.models.orgs import Organisation, User
from market.text.reference import ORG_KIND_LABELS, ROLE_LABELS
from market.views.paging import Filter, ListSpec

AUDIT = ListSpec(
    sorts={"id": col(AuditEvent.id), "action": col(AuditEvent.action)},
    default_sort="id",
    search=(col(AuditEvent.action), col(AuditEvent.object_type)),
    numbers={"object": col(AuditEvent.object_id), "organisation": col(AuditEvent.organisation_id)},
    date_column=col(AuditEvent.business_on),  # the business date shown on each row
    filters=(
        Filter("q", _l("Action or object")),
        Filter("object", _l("Object number"), "number"),
        Filter("from", _l("From"), "date"),
        Filter("to", _l("To"), "date"),
    ),
)

ORGANISATIONS = ListSpec(
    sorts={"name": col(Organisation.name), "id": col(Organisation.id),
           "region": col(Organisation.region)},
    default_sort="name",
    default_desc=False,
    search=(col(Organisation.name), col(Organisation.uscc)),
    choices={"kind": col(Organisation.kind), "region": col(Organisation.region)},
    filters=(
        Filter("q", _l("Name or credit code")),
        Filter("kind", _l("Kind"), "choice",
               tuple((k.value, ORG_KIND_LABELS[k]) for k in OrgKind)),
    ),
)

USERS = ListSpec(
    sorts={"email": col(User.email), "name": col(User.name), "id": col(User.id)},
    default_sort="email",
    default_desc=False,
    search=(col(User.email), col(User.name)),
    choices={"role": col(User.role)},
    numbers={"organisation": col(User.organisation_id)},
    filters=(
        Filter("q", _l("E-mail or name")),
        Filter("role", _l("Role"), "choice", tuple((r.value, ROLE_LABELS[r]) for r in Role)),
    ),
)
