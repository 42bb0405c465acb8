# This file is part of the pharma suite. See README.md for license terms.
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.pyson import Eval



class DepartmentType(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'pharma.department.type'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    therapeutic_area = fields.Many2One(
        'pharma.therapeutic.area', "Therapeutic Area")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_uniq', Unique(t, t.code),
                'pharma_hospital.msg_department_type_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))


class Department(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'pharma.hospital.department'
    hospital = fields.Many2One(
        'party.party', "Hospital", required=True, ondelete='CASCADE',
        domain=[('pharma_type', '=', 'hospital')])
    name = fields.Char("Name", required=True)
    type = fields.Many2One(
        'pharma.department.type', "Department Type", ondelete='RESTRICT')
    beds = fields.Integer("Beds")
    head = fields.Many2One(
        'party.party', "Head of Department", ondelete='SET NULL',
        domain=[
            ('pharma_type', '=', 'doctor'),
            ('hospital', '=', Eval('hospital', -1)),
            ])
    target = fields.Boolean(
        "Target", help="A department the company promotes to.")
    doctors = fields.One2Many(
        'party.party', 'department', "Doctors", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('hospital_name_uniq', Unique(t, t.hospital, t.name),
                'pharma_hospital.msg_department_name_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.hospital, Index.Range())))
        cls._order.insert(0, ('name', 'ASC'))

    @fields.depends('type', 'name')
    def on_change_type(self):
        if self.type and not self.name:
            self.name = self.type.name

    def get_rec_name(self, name):
        if self.hospital:
            return '%s - %s' % (self.hospital.name, self.name)
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('name', operator, operand, *extra),
            ('hospital.name', operator, operand, *extra),
            ]
