# This file is part of the pharma suite. See README.md for license terms.
from trytond.exceptions import UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class PackError(ValidationError):
    pass


class PackLockedError(AccessError):
    pass


class SpeakerFeeError(ValidationError):
    pass


class PaymentError(ValidationError):
    pass


class PackFlagsWarning(UserWarning):
    pass
