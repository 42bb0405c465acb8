# This file is part of the pharma suite. See README.md for license terms.
"""Dates, numbers and amounts the Chinese way for a zh_CN user (run by
tests/run_module_tests.py through test_module.py)."""
import datetime
import unittest
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction


class PharmaI18nTestCase(unittest.TestCase):
    "Test zh_CN formats"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('pharma_hospital')

    def _cny(self):
        "The company currency as scripts/demo.py creates it"
        Currency = Pool().get('currency.currency')
        return Currency.create([{
                    'name': '人民币', 'code': 'CNY', 'numeric_code': '156',
                    'symbol': '¥', 'rounding': Decimal('0.01'),
                    'digits': 2,
                    }])[0]

    @with_transaction()
    def test_zh_cn_lang_used(self):
        "The user's language zh_CN selects Tryton's zh_CN lang record"
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        zh_cn, = Lang.search([('code', '=', 'zh_CN')])
        zh_cn.translatable = True  # as scripts/demo.py does
        zh_cn.save()
        user = User(Transaction().user)
        user.language = zh_cn
        user.save()
        context = User.get_preferences(context_only=True)
        self.assertEqual(context['language'], 'zh_CN')
        with Transaction().set_context(language=context['language']):
            lang = Lang.get()
        self.assertEqual(lang.code, 'zh_CN')
        self.assertEqual(lang.date, '%Y-%m-%d')
        self.assertEqual(lang.thousands_sep, ',')
        self.assertEqual(lang.decimal_point, '.')

    @with_transaction()
    def test_zh_cn_date(self):
        "A date shows as 2026-11-25"
        Lang = Pool().get('ir.lang')
        lang = Lang.get('zh_CN')
        self.assertEqual(
            lang.strftime(datetime.date(2026, 11, 25)), '2026-11-25')
        # am/pm in Chinese
        self.assertEqual(lang.strftime(
                datetime.datetime(2026, 11, 25, 14, 5), '%p'), '下午')

    @with_transaction()
    def test_zh_cn_number(self):
        "A number shows as 1,234,567.89"
        Lang = Pool().get('ir.lang')
        lang = Lang.get('zh_CN')
        self.assertEqual(
            lang.format('%.2f', Decimal('1234567.891'), grouping=True),
            '1,234,567.89')
        self.assertEqual(
            lang.format('%.2f', Decimal('-1234.5'), grouping=True),
            '-1,234.50')

    @with_transaction()
    def test_zh_cn_currency(self):
        "An amount in CNY shows as ¥1,234,567.89 (symbol before, no space)"
        Lang = Pool().get('ir.lang')
        lang = Lang.get('zh_CN')
        cny = self._cny()
        self.assertEqual(
            lang.currency(Decimal('1234567.89'), cny, grouping=True),
            '¥1,234,567.89')
        # Tryton 8.0's zh_CN record (n_sign_posn 4) puts the minus sign
        # at the end: ¥1,234.50-
        negative = lang.currency(Decimal('-1234.5'), cny, grouping=True)
        self.assertTrue(negative.startswith('¥1,234.50'), negative)
        self.assertIn('-', negative)
        self.assertEqual(
            lang.currency(Decimal('1234.5'), cny, symbol=False, grouping=True),
            '1,234.50')
        # the English record writes the same date differently
        en = Lang.get('en')
        self.assertNotEqual(en.strftime(datetime.date(2026, 11, 25)),
            lang.strftime(datetime.date(2026, 11, 25)))
