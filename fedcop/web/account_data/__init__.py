"""A member's own data on the web: /settings/data (export, the follows CSV, import), the import's
result page, deleting one's account (/settings/delete), and an administrator deleting one
(/admin/accounts/NAME/delete)."""

from __future__ import annotations

from fedcop.web.account_data import deletion, export, imports

routes = [*export.routes, *imports.routes, *deletion.routes]
