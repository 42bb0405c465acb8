# This file is part of the pharma suite. See README.md for license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class PharmaImportTestCase(CompanyTestMixin, ModuleTestCase):
    "Test pharma_import module"
    module = 'pharma_import'


del ModuleTestCase
