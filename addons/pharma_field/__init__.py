# This file is part of the pharma suite. See README.md for license terms.
# The phone app's routes are registered on trytond's WSGI application when
# the module is imported (as trytond's own ir and res modules do).
from . import routes  # noqa: F401
