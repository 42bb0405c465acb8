# This file is part of the pharma suite. See README.md for license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.modules.party.tests import PartyCheckReplaceMixin
from trytond.tests.test_tryton import ModuleTestCase


class PharmaHospitalTestCase(
        PartyCheckReplaceMixin, CompanyTestMixin, ModuleTestCase):
    "Test pharma_hospital module"
    module = 'pharma_hospital'


del ModuleTestCase
