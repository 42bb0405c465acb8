# This file is part of the pharma suite. See README.md for license terms.
"VBP follow-up from the sales flow (with pharma_distributor)"
import datetime
import unittest
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction

from .test_module import (
    LINE, create_product, create_tender, create_territories)


class PharmaTenderVBPTestCase(unittest.TestCase):
    "Test the VBP follow-up of pharma_tender with pharma_distributor"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module(['pharma_tender', 'pharma_distributor'])

    @with_transaction()
    def test_vbp_fulfilment(self):
        "Hospitals behind their committed volume are flagged"
        pool = Pool()
        Party = pool.get('party.party')
        Tender = pool.get('pharma.tender')
        Flow = pool.get('pharma.flow.line')
        Volume = pool.get('pharma.tender.line.volume')
        Date = pool.get('ir.date')
        today = Date.today()
        company = create_company()
        with set_company(company):
            shanghai, _, _ = create_territories()
            product = create_product()
            behind, on_track, distributor = Party.create([{
                        'name': "瑞金医院", 'pharma_type': 'hospital',
                        }, {
                        'name': "仁济医院", 'pharma_type': 'hospital',
                        }, {
                        'name': "国药控股", 'pharma_type': 'distributor',
                        }])
            start = today - datetime.timedelta(days=100)
            tender = create_tender(company, "上海带量采购", [shanghai],
                [dict(LINE, product=product.id, bid_price=Decimal('5'),
                        hospital_volumes=[('create', [{
                                        'hospital': behind.id,
                                        'committed_volume': 3650,
                                        }, {
                                        'hospital': on_track.id,
                                        'committed_volume': 3650,
                                        }])])],
                tender_type='vbp', validity_start=start,
                validity_end=start + datetime.timedelta(days=365))
            Tender.prepare([tender])
            Tender.submit([tender])
            line, = tender.lines
            line.province = shanghai
            line.winning_company = company.party
            line.winning_price = Decimal('5')
            line.save()
            Tender.award([tender])

            Flow.create([{
                        'company': company.id,
                        'distributor': distributor.id,
                        'date': date,
                        'month': date.replace(day=1),
                        'product': product.id,
                        'quantity': quantity,
                        'customer_name': customer.name,
                        'customer': customer.id,
                        } for customer, date, quantity in [
                        (behind, today - datetime.timedelta(days=10), 500),
                        (behind, start - datetime.timedelta(days=10), 900),
                        (on_track, today - datetime.timedelta(days=5), 1200),
                        ]])

            volumes = {v.hospital: v for v in line.hospital_volumes}
            self.assertEqual(volumes[behind].fulfilled_volume, 500)
            self.assertEqual(volumes[on_track].fulfilled_volume, 1200)
            self.assertAlmostEqual(volumes[behind].expected_volume, 1000)
            self.assertTrue(volumes[behind].behind_schedule)
            self.assertFalse(volumes[on_track].behind_schedule)
            self.assertEqual(
                Volume.search([('behind_schedule', '=', True)]),
                [volumes[behind]])
