# This file is part of the pharma suite. See README.md for license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class PharmaCompetitorTestCase(CompanyTestMixin, ModuleTestCase):
    "Test pharma_competitor module"
    module = 'pharma_competitor'


del ModuleTestCase
