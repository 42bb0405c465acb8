# This file is part of the pharma suite. See README.md for license terms.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class TerritoryError(UserError):
    pass


class CoverageError(ValidationError):
    pass


class HandoverError(UserError):
    pass


class EmployeeLeaveError(ValidationError):
    pass


class DoctorError(ValidationError):
    pass


class DuplicateWarning(UserWarning):
    pass


class PharmaAccessError(AccessError):
    pass


class ImportError_(UserError):
    pass


class DrugError(UserError):
    pass


class ChangeRequestError(UserError):
    pass


class ListingError(ValidationError):
    pass


class HospitalAliasError(ValidationError):
    pass
