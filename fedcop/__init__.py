"""fedcop: a federated server for communities of practice."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fedcop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

# Routes are built when their modules are imported, and they use the `{name:id}` path convertor:
# it has to be known before any of them.
from fedcop import path_ids

path_ids.register()
