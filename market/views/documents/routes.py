"""Every page of the documents blueprint (importing the modules registers their routes)."""

from market.views.documents import paper_pages, upload_pages
from market.views.documents.blueprint import bp

__all__ = ["bp", "paper_pages", "upload_pages"]
