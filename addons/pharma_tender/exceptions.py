# This file is part of the pharma suite. See README.md for license terms.
from trytond.model.exceptions import AccessError, ValidationError


class TenderError(ValidationError):
    pass


class TenderFloorError(ValidationError):
    pass


class TenderAccessError(AccessError):
    pass
