# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import fields
from trytond.modules.pharma_hospital.configuration import default_func
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Id

service_case_sequence = fields.Many2One(
    'ir.sequence', "Service Case Sequence",
    domain=[
        ('sequence_type', '=', Id('pharma_service', 'sequence_type_case')),
        ])
ae_death_days = fields.Integer(
    "Adverse Event: Death Report Days",
    help="Days from the awareness date to report a death.")
ae_serious_days = fields.Integer(
    "Adverse Event: Serious Report Days",
    help="Days from the awareness date to report a serious adverse "
    "event.")
ae_other_days = fields.Integer(
    "Adverse Event: Other Report Days",
    help="Days from the awareness date to report a non-serious "
    "adverse event.")


class Configuration(metaclass=PoolMeta):
    __name__ = 'pharma.configuration'
    service_case_sequence = fields.MultiValue(service_case_sequence)
    ae_death_days = fields.MultiValue(ae_death_days)
    ae_serious_days = fields.MultiValue(ae_serious_days)
    ae_other_days = fields.MultiValue(ae_other_days)

    default_service_case_sequence = default_func('service_case_sequence')
    default_ae_death_days = default_func('ae_death_days')
    default_ae_serious_days = default_func('ae_serious_days')
    default_ae_other_days = default_func('ae_other_days')


class ConfigurationCompany(metaclass=PoolMeta):
    __name__ = 'pharma.configuration.company'
    service_case_sequence = service_case_sequence
    ae_death_days = ae_death_days
    ae_serious_days = ae_serious_days
    ae_other_days = ae_other_days

    @classmethod
    def default_service_case_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id('pharma_service', 'sequence_case')
        except KeyError:
            return None

    @classmethod
    def default_ae_death_days(cls):
        return 0

    @classmethod
    def default_ae_serious_days(cls):
        return 15

    @classmethod
    def default_ae_other_days(cls):
        return 30
