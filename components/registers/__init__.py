"""The shared parts of the four register pages: filter bar, table, pager, detail card,
downloads, and the link (``st.query_params``) that reproduces the view.

Each register is described once, by a :class:`Register` (which filters, columns, detail
fields) in this package (``technologies``, ``experts``, ``adoptions``, ``inquiries``); its
page then reads like a paragraph::

    view = registers.open_view(TECHNOLOGIES)          # URL -> widgets -> filters
    registers.detail(view, data.technology_detail(url, view.record_id))
    registers.listing(                                  # table, pager, files; widgets -> URL
        view,
        lambda offset, limit: data.technologies_page(url, view.filters, view.sort, offset, limit),
        lambda: data.technologies_export(url, view.filters, view.sort),
    )

The URL is the source of truth when it changes from outside (a link from the overview, a
pasted address, the first visit); afterwards the widgets are, and each run writes their
state back to the URL. Parameters that cannot be used (a bad date, an unknown code, a page
out of range) are dropped with a short notice. Text from the database or the URL is never
rendered as HTML: tables are data grids, detail values are ``st.text``, and the few places
where it sits inside Markdown (the card's title, the search words) go through
:func:`components.cells.escape_markdown`.
"""

from components.registers.fragment import body
from components.registers.spec import Column, Filter, Register, Related, View, display_frame
from components.registers.table import describe, detail, downloads, listing, rows, table
from components.registers.view import open_view, sync_url

__all__ = [
    "Column",
    "Filter",
    "Register",
    "Related",
    "View",
    "body",
    "describe",
    "detail",
    "display_frame",
    "downloads",
    "listing",
    "open_view",
    "rows",
    "sync_url",
    "table",
]
