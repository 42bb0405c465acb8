# This file is part of the pharma suite. See README.md for license terms.
from trytond import backend
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.pharma_hospital.configuration import (
    OLD_TABLE, default_func)
from trytond.pool import PoolMeta

checkin_radius = fields.Integer("Check-in Radius (m)", required=True,
    domain=[('checkin_radius', '>', 0)],
    help="A face-to-face call checked in farther from the hospital "
    "is flagged.")
checkin_clock_tolerance = fields.Integer(
    "Phone Clock Tolerance (min)", required=True,
    domain=[('checkin_clock_tolerance', '>=', 0)],
    help="A phone whose clock differs more from the server's is "
    "flagged.")
checkin_max_speed = fields.Integer("Maximum Travel Speed (km/h)",
    required=True, domain=[('checkin_max_speed', '>', 0)],
    help="Two check-ins farther apart than this speed allows are "
    "flagged as impossible travel.")
field_phrases = fields.One2Many(
    'pharma.field.phrase', 'configuration', "Quick Phrases",
    help="Offered to the representatives as feedback in the phone app.")


class Configuration(metaclass=PoolMeta):
    __name__ = 'pharma.configuration'
    checkin_radius = fields.MultiValue(checkin_radius)
    checkin_clock_tolerance = fields.MultiValue(checkin_clock_tolerance)
    checkin_max_speed = fields.MultiValue(checkin_max_speed)
    field_phrases = fields.MultiValue(fields.One2Many(
            'pharma.field.phrase', None, "Quick Phrases",
            help=field_phrases.help))

    default_checkin_radius = default_func('checkin_radius')
    default_checkin_clock_tolerance = default_func('checkin_clock_tolerance')
    default_checkin_max_speed = default_func('checkin_max_speed')


class ConfigurationCompany(metaclass=PoolMeta):
    __name__ = 'pharma.configuration.company'
    checkin_radius = checkin_radius
    checkin_clock_tolerance = checkin_clock_tolerance
    checkin_max_speed = checkin_max_speed
    field_phrases = field_phrases

    @classmethod
    def default_checkin_radius(cls):
        return 500

    @classmethod
    def default_checkin_clock_tolerance(cls):
        return 10

    @classmethod
    def default_checkin_max_speed(cls):
        return 120


class Phrase(ModelSQL, ModelView):
    "Quick Phrase"
    __name__ = 'pharma.field.phrase'
    configuration = fields.Many2One(
        'pharma.configuration.company', "Configuration", required=True,
        ondelete='CASCADE')
    sequence = fields.Integer("Sequence")
    text = fields.Char("Text", required=True)
    active = fields.Boolean("Active")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('sequence', 'ASC NULLS FIRST'), ('id', 'ASC')]
        cls.__access__.add('configuration')

    @classmethod
    def __register__(cls, module):
        # Migration from the per-company configuration table: the lines
        # point to the company values, which keep its ids
        if (backend.TableHandler.table_exist(OLD_TABLE)
                and backend.TableHandler.table_exist(cls._table)):
            cls.__table_handler__(module).drop_fk('configuration')
        super().__register__(module)

    @classmethod
    def default_active(cls):
        return True
