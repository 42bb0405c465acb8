# This file is part of the pharma suite. See README.md for license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import PoolMeta
from trytond.pyson import Bool, Eval
from trytond.modules.pharma_hospital.access import readable_name

from .geo import COORDINATE_SYSTEMS, to_wgs84


class CoordinatesError(ValidationError):
    pass


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    _geo_states = {
        'invisible': Eval('pharma_type') != 'hospital',
        }
    latitude = fields.Float("Latitude", digits=(3, 6),
        domain=['OR', ('latitude', '=', None),
            [('latitude', '>=', -90), ('latitude', '<=', 90)]],
        states=_geo_states,
        help="Of the hospital's main entrance, in the coordinate system "
        "below.")
    longitude = fields.Float("Longitude", digits=(3, 6),
        domain=['OR', ('longitude', '=', None),
            [('longitude', '>=', -180), ('longitude', '<=', 180)]],
        states=_geo_states)
    coordinate_system = fields.Selection(
        COORDINATE_SYSTEMS, "Coordinate System", sort=False,
        states={
            'invisible': Eval('pharma_type') != 'hospital',
            'required': Bool(Eval('latitude')) | Bool(Eval('longitude')),
            },
        help="Chinese maps (Amap, Tencent) give GCJ-02, Baidu BD-09, "
        "a phone's GPS WGS-84; the check-in converts to WGS-84 before "
        "measuring.")
    del _geo_states

    @classmethod
    def default_coordinate_system(cls):
        return 'gcj02'

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        cls.check_coordinates(parties, field_names)

    @classmethod
    def check_coordinates(cls, parties, field_names=None):
        if field_names and not (field_names & {'latitude', 'longitude'}):
            return
        for party in parties:
            if (party.latitude is None) != (party.longitude is None):
                raise CoordinatesError(gettext(
                        'pharma_field.msg_hospital_coordinates_pair',
                        hospital=readable_name(party)))

    @property
    def wgs84(self):
        "(lat, lng) of the hospital in WGS-84, or None"
        if self.latitude is None or self.longitude is None:
            return None
        return to_wgs84(self.latitude, self.longitude,
            self.coordinate_system or 'gcj02')
