# This file is part of the pharma suite. See README.md for license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class PharmaDistributorTestCase(CompanyTestMixin, ModuleTestCase):
    "Test pharma_distributor module"
    module = 'pharma_distributor'


del ModuleTestCase
