# This file is part of the pharma suite. See README.md for license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class CaseError(UserError):
    pass


class CaseAccessError(AccessError):
    pass


class CaseValidationError(ValidationError):
    pass


class ArticleAccessError(AccessError):
    pass
