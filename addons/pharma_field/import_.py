# This file is part of the pharma suite. See README.md for license terms.
"""The hospitals' coordinates in the hospital import of pharma_hospital
(the kind `pharma.import.hospital` is a pool model: extended here)."""
from trytond.i18n import gettext
from trytond.modules.pharma_import.engine import ImportField
from trytond.pool import PoolMeta

SYSTEM_SELECTION = [
    ('gcj02', ['GCJ-02', 'GCJ02', 'GCJ', '火星坐标', '国测局坐标', '高德',
            '高德地图', '腾讯', '腾讯地图']),
    ('bd09', ['BD-09', 'BD09', 'BD09LL', '百度', '百度地图', '百度坐标']),
    ('wgs84', ['WGS-84', 'WGS84', 'GPS', '地球坐标', '天地图']),
    ]


class HospitalImport(metaclass=PoolMeta):
    __name__ = 'pharma.import.hospital'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._fields_map = dict(cls._fields_map,
            latitude='latitude', longitude='longitude',
            coordinate_system='coordinate_system')

    @classmethod
    def import_fields(cls):
        return super().import_fields() + [
            ImportField('latitude', "Latitude", type='float',
                aliases=['纬度', '纬度坐标', 'Lat', 'Latitude']),
            ImportField('longitude', "Longitude", type='float',
                aliases=['经度', '经度坐标', 'Lng', 'Lon', 'Longitude']),
            ImportField('coordinate_system', "Coordinate System",
                type='selection', selection=SYSTEM_SELECTION,
                aliases=['坐标系', '坐标系统', '坐标类型', 'Coordinate System']),
            ]

    @classmethod
    def validate_rows(cls, rows, job):
        for row in rows:
            values = row.values
            lat, lng = values.get('latitude'), values.get('longitude')
            if lat is not None and not -90 <= lat <= 90:
                job.error(row, 'latitude', gettext(
                        'pharma_field.msg_import_latitude', value=lat))
            if lng is not None and not -180 <= lng <= 180:
                job.error(row, 'longitude', gettext(
                        'pharma_field.msg_import_longitude', value=lng))
            if lat is not None:
                values['latitude'] = lat = round(lat, 6)
            if lng is not None:
                values['longitude'] = lng = round(lng, 6)
            if (lat is None) != (lng is None):
                job.error(row, 'latitude' if lat is None else 'longitude',
                    gettext('pharma_field.msg_import_coordinates_pair'))
            if (lat is not None and lng is not None
                    and not values.get('coordinate_system')):
                # Chinese maps give GCJ-02: the default when the file says none
                values['coordinate_system'] = 'gcj02'
        super().validate_rows([r for r in rows if not r.errors], job)

    @classmethod
    def export_values(cls, records):
        records = list(records)
        for party, row in zip(records, super().export_values(records)):
            yield list(row) + [party.latitude, party.longitude,
                party.coordinate_system]
