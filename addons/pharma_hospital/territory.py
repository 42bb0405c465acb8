# This file is part of the pharma suite. See README.md for license terms.
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, tree)
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .access import readable_name
from .exceptions import TerritoryError

LEVELS = [
    ('region', "Region"),
    ('province', "Province"),
    ('city', "City"),
    ('district', "District"),
    ]


class Territory(DeactivableMixin, tree(separator=' / '), ModelSQL, ModelView):
    __name__ = 'pharma.territory'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code")
    level = fields.Selection(LEVELS, "Level", required=True, sort=False)
    parent = fields.Many2One(
        'pharma.territory', "Parent", ondelete='RESTRICT')
    children = fields.One2Many('pharma.territory', 'parent', "Children")
    subdivision = fields.Many2One(
        'country.subdivision', "Subdivision", ondelete='SET NULL',
        help="The official country subdivision this territory stands for.")
    manager = fields.Many2One(
        'company.employee', "Manager", ondelete='SET NULL',
        help="Decides who sees the territory's customers.")
    reps = fields.Many2Many(
        'pharma.territory-company.employee', 'territory', 'employee',
        "Representatives")
    hospitals = fields.One2Many(
        'party.party', 'territory', "Hospitals",
        domain=[('pharma_type', '=', 'hospital')],
        filter=[('pharma_type', '=', 'hospital')])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_uniq', Unique(t, t.code),
                'pharma_hospital.msg_territory_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_level(cls):
        return 'city'

    @classmethod
    def on_modification(cls, mode, territories, field_names=None):
        super().on_modification(mode, territories, field_names=field_names)
        # Visibility of customers depends on the territory tree
        Pool().get('ir.rule')._domain_get_cache.clear()

    def get_province(self):
        "Return the province-level ancestor (or self)"
        territory = self
        while territory:
            if territory.level == 'province':
                return territory
            territory = territory.parent
        return None

    def get_city(self):
        territory = self
        while territory:
            if territory.level == 'city':
                return territory
            territory = territory.parent
        return None

    @classmethod
    def visible_ids(cls, employee_ids):
        """Territory ids (subtrees included) managed or worked by the
        employees"""
        if not employee_ids:
            return []
        # bypass: the rule context: the territories of the user's employees
        with Transaction().set_context(
                active_test=False, _check_access=False):
            roots = cls.search(['OR',
                    ('manager', 'in', list(employee_ids)),
                    ('reps', 'in', list(employee_ids)),
                    ])
            if not roots:
                return []
            return [t.id for t in cls.search(
                    [('parent', 'child_of', [r.id for r in roots])])]

    @classmethod
    def managed_ids(cls, employee_ids):
        if not employee_ids:
            return []
        # bypass: the rule context: the territories the user's employees manage
        with Transaction().set_context(
                active_test=False, _check_access=False):
            roots = cls.search([('manager', 'in', list(employee_ids))])
            if not roots:
                return []
            return [t.id for t in cls.search(
                    [('parent', 'child_of', [r.id for r in roots])])]


class TerritoryEmployee(ModelSQL):
    __name__ = 'pharma.territory-company.employee'
    territory = fields.Many2One(
        'pharma.territory', "Territory", required=True, ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, ondelete='CASCADE')

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        super().on_modification(mode, records, field_names=field_names)
        Pool().get('ir.rule')._domain_get_cache.clear()


class CreateProvincesStart(ModelView):
    __name__ = 'pharma.territory.create_provinces.start'
    country = fields.Many2One('country.country', "Country", required=True)
    parent = fields.Many2One(
        'pharma.territory', "Parent Territory",
        domain=[('level', '=', 'region')])

    @classmethod
    def default_country(cls):
        Country = Pool().get('country.country')
        countries = Country.search([('code', '=', 'CN')], limit=1)
        if countries:
            return countries[0].id


class CreateProvinces(Wizard):
    "Create province territories from the country's subdivisions"
    __name__ = 'pharma.territory.create_provinces'
    start = StateView('pharma.territory.create_provinces.start',
        'pharma_hospital.territory_create_provinces_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateTransition()

    def transition_create_(self):
        pool = Pool()
        Subdivision = pool.get('country.subdivision')
        Territory = pool.get('pharma.territory')
        subdivisions = Subdivision.search([
                ('country', '=', self.start.country.id),
                ('parent', '=', None),
                ])
        if not subdivisions:
            raise TerritoryError(gettext(
                    'pharma_hospital.msg_territory_no_subdivision',
                    country=readable_name(self.start.country)))
        existing = {t.subdivision.id for t in Territory.search(
                [('subdivision', 'in', [s.id for s in subdivisions])])}
        to_create = [{
                'name': s.name,
                'code': s.code,
                'level': 'province',
                'subdivision': s.id,
                'parent': self.start.parent.id if self.start.parent else None,
                } for s in subdivisions if s.id not in existing]
        if to_create:
            Territory.create(to_create)
        return 'end'
