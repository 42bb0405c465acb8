# This file is part of the pharma suite. See README.md for license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class SaleModificationError(AccessError):
    pass


class SaleApprovalError(UserError):
    pass


class SalePartyError(ValidationError):
    pass


class FlowImportError(UserError):
    pass


class RecruitmentError(ValidationError):
    pass
