# This file is part of the pharma suite. See README.md for license terms.
from trytond.pool import PoolMeta


class Sync(metaclass=PoolMeta):
    __name__ = 'pharma.field.sync'

    @classmethod
    def _hospital_values(cls, hospital):
        "The phone shows the hospital's reception rule at the check-in"
        values = super()._hospital_values(hospital)
        values['reception'] = hospital.reception_text()
        values['appointment'] = bool(hospital.reception_appointment)
        return values
