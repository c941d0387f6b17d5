"""A member's own data on the web: /settings/data (export, the follows CSV, import; moving to
another server: aliases and the move), the import's result page, deleting one's account
(/settings/delete), and an administrator deleting one (/admin/accounts/NAME/delete)."""

from __future__ import annotations

from fedcop.web.account_data import deletion, export, imports, moving

routes = [*export.routes, *imports.routes, *moving.routes, *deletion.routes]
